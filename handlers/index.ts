/** registerHandlers(app, services): the one place Slack listeners are wired. */
import type { Services } from '../src/services.js';
import type { BoltApp } from '../src/slack/app.js';
import { registerOperationActions } from './actions/operations.js';
import { registerRunActions } from './actions/runs.js';
import { registerCzCommand } from './commands/cz.js';
import { registerAppHome } from './events/app-home.js';
import { registerEventDedupe } from './events/dedupe.js';
import { registerAlertMessages } from './events/alert-messages.js';
import { registerTriageActions } from './actions/triage.js';
import { registerWizard } from './actions/wizard.js';
import { registerDiagnoseShortcut } from './shortcuts/diagnose.js';
import { registerBackfillModal } from './views/backfill.js';

export function registerHandlers(app: BoltApp, services: Services): void {
  registerEventDedupe(app, services); // first: a redelivered event reaches no listener
  registerCzCommand(app, services);
  registerOperationActions(app, services);
  registerRunActions(app, services);
  registerBackfillModal(app, services);
  registerAppHome(app, services);
  registerDiagnoseShortcut(app, services);
  registerTriageActions(app, services);
  registerAlertMessages(app, services);
  registerWizard(app, services);
}
