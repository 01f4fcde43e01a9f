/** A stream's buttons (Restart, Stop, a table's Resync / Recover): the same confirmation path as `/cz stream`. */
import type { BlockAction, ButtonAction } from '@slack/bolt';
import { z } from 'zod';
import { buildConfirmation, buildRefusal } from '../../src/blocks/operations.js';
import { STREAM_BUTTON } from '../../src/blocks/streams.js';
import { parseActionValue } from '../../src/ops/references.js';
import type { StreamOpAction } from '../../src/ops/stream-ops.js';
import type { Services } from '../../src/services.js';
import type { BoltApp } from '../../src/slack/app.js';
import { actorFromAction, ephemeral } from '../context.js';

type Click = BlockAction<ButtonAction>;
const STREAM_VALUE = z.object({ t: z.number().int().positive(), tb: z.number().int().positive().optional(), c: z.number().int().optional() });

const ACTION_OF: Record<(typeof STREAM_BUTTON)[keyof typeof STREAM_BUTTON], StreamOpAction> = {
  [STREAM_BUTTON.start]: 'stream_start',
  [STREAM_BUTTON.stop]: 'stream_stop',
  [STREAM_BUTTON.restart]: 'stream_restart',
  [STREAM_BUTTON.resync]: 'table_resync',
  [STREAM_BUTTON.recover]: 'table_recover',
};

export function registerStreamActions(app: BoltApp, s: Services): void {
  for (const [id, op] of Object.entries(ACTION_OF)) {
    app.action<Click>(id, async ({ ack, body, action, respond }) => {
      await ack();
      const v = parseActionValue(action.value, STREAM_VALUE, "a stream's buttons");
      const actor = { ...actorFromAction(body), ...(v.c !== undefined ? { source: 'alert' as const } : {}) };
      const r = await s.operations.requestStreamOp(actor, v.t, op, { table: v.tb, cardId: v.c });
      await respond(ephemeral(r.kind === 'confirm' ? buildConfirmation(r) : buildRefusal(r)));
    });
  }
}
