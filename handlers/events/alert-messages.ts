/**
 * Alerts from other tools: a message in an alert channel that names a Studio run (link or id) or
 * carries a known error gets a thread reply with the diagnosis and the triage buttons.
 */
import { unescapeSlack } from '../../src/blocks/kit.js';
import { buildDiagnosis, buildRunDiagnosis } from '../../src/blocks/diagnosis.js';
import { actions } from '../../src/blocks/kit.js';
import { runButtons } from '../../src/blocks/replies.js';
import { diagnoseRun, findRunReference } from '../../src/ops/diagnosis.js';
import type { Services } from '../../src/services.js';
import type { BoltApp } from '../../src/slack/app.js';

export function registerAlertMessages(app: BoltApp, s: Services): void {
  const alerts = s.alerts;
  if (!alerts) return;
  app.message(async ({ message, context }) => {
    const m = message as {
      channel: string;
      ts: string;
      thread_ts?: string;
      text?: string;
      subtype?: string;
      bot_id?: string;
      attachments?: { fallback?: string; text?: string }[];
    };
    if (!alerts.router.channels.includes(m.channel)) return;
    if (m.thread_ts && m.thread_ts !== m.ts) return; // replies in threads are conversations, not alerts
    if (m.subtype && m.subtype !== 'bot_message') return;
    if (m.bot_id && m.bot_id === context.botId) return; // our own cards
    const text = unescapeSlack([m.text ?? '', ...(m.attachments ?? []).map((a) => `${a.fallback ?? ''}\n${a.text ?? ''}`)].join('\n'));
    const runId = findRunReference(text);
    if (runId !== undefined) {
      try {
        const r = await diagnoseRun(s.studio, s.diagnoser, runId, s.memory);
        const d = buildRunDiagnosis(r, { title: `Studio run ${runId}: diagnosis`, links: s.studio });
        await alerts.reply(m.channel, m.ts, { text: d.text, blocks: [...d.blocks.slice(0, 40), actions(runButtons(r.run, s.studio))] });
      } catch (e) {
        s.logger.info({ runId, err: (e as Error).message }, 'alert message names a run the bot cannot read');
      }
      return;
    }
    const d = await s.diagnoser.diagnose(text);
    if (d.findings.length === 0) return; // nothing we know: stay quiet
    await alerts.reply(m.channel, m.ts, buildDiagnosis(d, { title: 'What this alert means', links: s.studio }));
  });
}
