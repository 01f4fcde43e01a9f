/** The message a person sees when something they asked for could not be done. */
import { LakehouseError, SqlRefused } from '../lakehouse/client.js';
import { FolderLookupError, RunLookupError } from '../ops/read.js';
import { UnknownReference } from '../ops/references.js';
import { StudioError, TaskLookupError } from '../studio/errors.js';
import type { Message } from './kit.js';
import { buildError } from './replies.js';

export function messageForError(e: unknown): Message {
  if (e instanceof UnknownReference) return buildError(e.title, e.message, 'Use the buttons on a message the bot sent, or ask again with `/cz`.');
  if (e instanceof TaskLookupError) {
    return buildError(
      e.reason === 'ambiguous' ? 'More than one task has that name' : 'Unknown task',
      e.message,
      'Use folder/task or the task id; `/cz tasks` lists names and ids.',
    );
  }
  if (e instanceof FolderLookupError) return buildError('Unknown folder', e.message, '`/cz tasks` lists every folder.');
  if (e instanceof RunLookupError) return buildError('Unknown run', e.message);
  if (e instanceof SqlRefused) return buildError('Not a read the bot runs', e.message, 'The bot reads metadata and row counts only; it never changes data through SQL.');
  if (e instanceof LakehouseError) {
    return buildError(
      e.code === 'TIMEOUT' ? 'Lakehouse took too long' : 'Lakehouse refused the statement',
      `${e.message}${e.jobId ? ` (job ${e.jobId})` : ''}`,
      e.code === 'TIMEOUT' ? 'Try again in a moment; LAKEHOUSE_VCLUSTER names the VCluster the bot reads on.' : undefined,
    );
  }
  if (e instanceof StudioError) {
    return buildError(
      e.outcomeUnknown ? 'Studio did not answer clearly' : e.kind === 'business' ? 'Studio refused the request' : 'Studio could not be reached',
      e.describe(),
      e.kind === 'auth' ? "Check the bot's Studio credentials (STUDIO_*)." : 'Try again in a moment; if it persists, quote the request id to your Studio admin.',
    );
  }
  // Errors the bot raises for people (with a message meant for them) keep it; anything else is a
  // fault of the bot's: say so plainly, without its internals.
  if (e instanceof Error && e.constructor === Error && e.message) return buildError('That did not work', e.message);
  return buildError(
    'That did not work',
    'The bot could not handle this request (the error is in its log). Nothing was sent to Studio.',
    "Try again; if it keeps happening, tell the bot's admins what you clicked.",
  );
}
