/**
 * HTTP mode's front door: a thread of its own owns the public port, so that a request is read,
 * checked and — when no listener's answer is needed — acknowledged while this thread is busy with
 * the work earlier requests started (a storm's cards, a reply's Block Kit, garbage collection).
 * Every request then goes on, over loopback, to the bot's own server in this thread, which checks
 * it again (and asks the shared database about replays) before Bolt sees it. Modal submissions and
 * options requests, whose acks carry the bot's answer, wait for it as before.
 *
 * The trade: a slash command or click is acknowledged before the bot has looked at it, so a failure
 * in the bot is told to the person by response_url (as every failure after an ack already is), not
 * by Slack's "operation_timeout"; and a replay only the shared database knows of (one sent to
 * another replica) is answered 200 and dropped by the bot's own check instead of 401.
 * docs/postgres-at-distance.md (4b) has the measurements.
 */
import type { Logger } from '../logger.js';
import { moduleWorker } from '../module-worker.js';
import type { FrontDoorMessage, FrontDoorSetup } from './front-door-worker.js';

export interface FrontDoor {
  /** Listen on `setup.port` (resolves with the port taken). */
  open(setup: FrontDoorSetup): Promise<number>;
  close(): Promise<void>;
}

/**
 * The thread starts at once (loading its code overlaps the bot's own start-up); it listens when
 * `open` gives it the bot's loopback port.
 */
export function frontDoorThread(logger: Logger): FrontDoor {
  const log = logger.child({ component: 'front-door' });
  const worker = moduleWorker(import.meta.url, 'front-door-worker', {});
  worker.unref();
  let closing = false;
  let exited = false;
  const waiting: { resolve: (port: number) => void; reject: (e: Error) => void }[] = [];
  const failAll = (e: Error) => {
    for (const w of waiting.splice(0)) w.reject(e);
  };
  worker.on('message', (m: FrontDoorMessage) => {
    if ('listening' in m) waiting.shift()?.resolve(m.listening);
    else if ('failed' in m) failAll(new Error(`the HTTP port could not be opened: ${m.failed}`));
    else log.warn(m.warn);
  });
  worker.on('error', (e) => failAll(e));
  worker.once('exit', (code) => {
    exited = true;
    if (closing) return;
    log.error(`the front door's thread stopped (exit ${code}): Slack's requests are no longer answered`);
    failAll(new Error(`the front door's thread stopped (exit ${code})`));
  });
  return {
    open: (setup) =>
      new Promise<number>((resolve, reject) => {
        if (exited) return reject(new Error("the front door's thread stopped before it could listen"));
        waiting.push({ resolve, reject });
        worker.ref();
        worker.postMessage({ listen: setup });
      }),
    close: async () => {
      closing = true;
      if (exited) return;
      const gone = new Promise<void>((r) => worker.once('exit', () => r()));
      worker.postMessage({ close: true });
      // The thread waits up to 3 s for requests it acknowledged to reach the bot (front-door-worker.ts).
      const timer = setTimeout(() => void worker.terminate(), 5000);
      await gone;
      clearTimeout(timer);
    },
  };
}
