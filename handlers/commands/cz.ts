/** `/cz`: ack at once, parse, then answer ephemerally through response_url. */
import type { BoltApp } from '../../src/slack/app.js';
import { messageForError } from '../../src/blocks/errors.js';
import { buildUsageError } from '../../src/blocks/replies.js';
import { unescapeSlack } from '../../src/blocks/kit.js';
import { WRITE_SUBCOMMANDS, parseCzCommand } from '../../src/ops/commands.js';
import type { Services } from '../../src/services.js';
import { actorFromCommand, ephemeral } from '../context.js';
import { runCzCommand } from './dispatch.js';

export function registerCzCommand(app: BoltApp, s: Services): void {
  app.command('/cz', async ({ command, ack, respond, client }) => {
    await ack();
    // Slack escapes &, < and > in what people type; the commands work on what they typed.
    command.text = unescapeSlack(command.text ?? '');
    const parsed = parseCzCommand(command.text);
    const actor = actorFromCommand(command);
    if (!parsed.ok) {
      // Malformed operations are refusals too, and refusals of operations are audited.
      const sub = (command.text ?? '').trim().split(/\s+/)[0]?.toLowerCase() ?? '';
      if (WRITE_SUBCOMMANDS.has(sub)) await s.operations.refuse(actor, sub, 'input', { text: command.text }, { kind: 'refused', reason: 'invalid', message: parsed.error });
      await respond(ephemeral(buildUsageError(parsed.error, parsed.usage, parsed.example)));
      return;
    }
    try {
      await runCzCommand(parsed.command, `/cz ${command.text ?? ''}`.trim(), { actor, respond, client, triggerId: command.trigger_id, services: s });
    } catch (e) {
      s.logger.warn({ err: (e as Error).message, sub: parsed.command.name }, '/cz failed');
      await respond(ephemeral(messageForError(e)));
    }
  });
}
