/** registerHandlers(app, services): the one place Slack listeners are wired. */
import type { Services } from '../src/services.js';
import type { BoltApp } from '../src/slack/app.js';
import { auditRefusedReferences } from '../src/slack/interactions.js';
import { actorFromPayload } from './context.js';
import { registerOperationActions } from './actions/operations.js';
import { registerRunActions } from './actions/runs.js';
import { registerStreamActions } from './actions/streams.js';
import { registerCzCommand } from './commands/cz.js';
import { registerAppHome } from './events/app-home.js';
import { registerEventDedupe } from './events/dedupe.js';
import { registerAlertMessages } from './events/alert-messages.js';
import { registerTriageActions } from './actions/triage.js';
import { registerWizard } from './actions/wizard.js';
import { registerEntryMenu } from './actions/entry-menu.js';
import { registerPipelineChange } from './actions/pipeline-change.js';
import { registerPromote } from './actions/promote.js';
import { registerDiagnoseShortcut } from './shortcuts/diagnose.js';
import { registerBackfillModal } from './views/backfill.js';

export function registerHandlers(bolt: BoltApp, services: Services): void {
  // A listener that refuses an unknown reference (a card, operation or choice the bot never
  // offered) has it audited for the person before the refusal is answered.
  const app = auditRefusedReferences(bolt, (body, id, e) =>
    services.operations.recordRefusal(actorFromPayload(body), { action: e.audit.action ?? id, target: e.audit.target, taskName: e.audit.taskName, reason: e.message }),
  );
  registerEventDedupe(app, services); // first: a redelivered event reaches no listener
  registerCzCommand(app, services);
  registerOperationActions(app, services);
  registerRunActions(app, services);
  registerStreamActions(app, services);
  registerBackfillModal(app, services);
  registerAppHome(app, services);
  registerDiagnoseShortcut(app, services);
  registerTriageActions(app, services);
  registerAlertMessages(app, services);
  registerWizard(app, services);
  registerEntryMenu(app, services);
  registerPipelineChange(app, services);
  registerPromote(app, services);
}
