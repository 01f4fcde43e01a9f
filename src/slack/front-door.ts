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
 */
import type { Logger } from '../logger.js';
import { moduleWorker } from '../module-worker.js';
import type { FrontDoorMessage, FrontDoorSetup } from './front-door-worker.js';

export interface FrontDoor {
  port: number;
  close(): Promise<void>;
}

export async function openFrontDoor(setup: FrontDoorSetup, logger: Logger): Promise<FrontDoor> {
  const log = logger.child({ component: 'front-door' });
  const worker = moduleWorker(import.meta.url, 'front-door-worker', { workerData: setup });
  let closing = false;
  const port = await new Promise<number>((resolve, reject) => {
    worker.on('message', (m: FrontDoorMessage) => {
      if ('listening' in m) resolve(m.listening);
      else if ('failed' in m) {
        reject(new Error(`the HTTP port ${setup.port} could not be opened: ${m.failed}`));
        void worker.terminate();
      } else log.warn(m.warn);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (!closing) {
        log.error(`the front door's thread stopped (exit ${code}): Slack's requests are no longer answered`);
        reject(new Error(`the front door's thread stopped (exit ${code})`));
      }
    });
  });
  return {
    port,
    close: async () => {
      closing = true;
      const exited = new Promise<void>((r) => worker.once('exit', () => r()));
      worker.postMessage({ close: true });
      const timer = setTimeout(() => void worker.terminate(), 2000);
      await exited;
      clearTimeout(timer);
    },
  };
}
