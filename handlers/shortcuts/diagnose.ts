/**
 * Message shortcut "Diagnose with Studio Ops": works on any message (an alert from another tool,
 * a pasted log). A Studio run link or id in it → that run's log is diagnosed; otherwise the text.
 * The answer goes in the message's thread; where the bot cannot post, to the person alone.
 */
import { unescapeSlack } from '../../src/blocks/kit.js';
import type { MessageShortcut } from '@slack/bolt';
import { buildDiagnosis, buildRunDiagnosis } from '../../src/blocks/diagnosis.js';
import { messageForError } from '../../src/blocks/errors.js';
import type { Message } from '../../src/blocks/kit.js';
import { diagnoseRun, findRunReference } from '../../src/ops/diagnosis.js';
import type { Services } from '../../src/services.js';
import type { BoltApp } from '../../src/slack/app.js';
import { ephemeral } from '../context.js';
import { UnknownReference, referenceTarget } from '../../src/ops/references.js';

export const DIAGNOSE_SHORTCUT = 'diagnose_message';

/** Everything readable in a message: its text, and the text inside its blocks and attachments. */
function messageText(m: MessageShortcut['message']): string {
  const parts: string[] = [m.text ?? ''];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) (k === 'text' || k === 'fallback') && typeof x === 'string' ? parts.push(x) : walk(x);
  };
  walk((m as { blocks?: unknown }).blocks);
  walk((m as { attachments?: unknown }).attachments);
  return unescapeSlack(parts.join('\n'));
}

export function registerDiagnoseShortcut(app: BoltApp, s: Services): void {
  app.shortcut<MessageShortcut>(DIAGNOSE_SHORTCUT, async ({ ack, shortcut, client, respond }) => {
    await ack();
    // Slack sends this callback id for the message shortcut only; a global-shortcut payload has no message to read.
    if (shortcut.type !== 'message_action' || !shortcut.message || !shortcut.channel?.id)
      throw new UnknownReference("Diagnose with Studio Ops works on a message: choose it from a message's ⋯ menu (More actions).", {
        target: referenceTarget('shortcut', String((shortcut as { type?: string }).type ?? 'none')),
      });
    const text = messageText(shortcut.message);
    let answer: Message;
    try {
      const runId = findRunReference(text);
      if (runId !== undefined) {
        const r = await diagnoseRun(s.studio, s.diagnoser, runId, s.memory);
        answer = buildRunDiagnosis(r, { title: `Diagnosis of run ${runId}`, links: s.studio });
      } else {
        answer = buildDiagnosis(await s.diagnoser.diagnose(text), { title: 'Diagnosis of this message', links: s.studio });
      }
    } catch (e) {
      await respond(ephemeral(messageForError(e)));
      return;
    }
    try {
      await client.chat.postMessage({ channel: shortcut.channel.id, thread_ts: shortcut.message.thread_ts ?? shortcut.message.ts, text: answer.text, blocks: answer.blocks });
    } catch {
      await respond(ephemeral(answer)); // not in the channel: tell the person alone
    }
  });
}
