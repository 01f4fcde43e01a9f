/**
 * Background work in steps, one step per turn of the event loop, each after the I/O that arrived
 * meanwhile. The work after an ack (a Studio call's answer parsed into a reply, a reply redacted
 * and posted) and the alert poll's phases await `yieldToRequests()` before each CPU-heavy step:
 * however many are ready, the event loop takes one, then reads its sockets again, so a request that
 * arrives meanwhile is acknowledged before the next step rather than after all of them. (A promise
 * resolved from a timer or an I/O callback runs its continuation at once, with everything else
 * ready; a microtask never lets the loop read a socket.) Never await it on the way to an ack.
 */
const nextTurn = globalThis.setImmediate; // taken at load: a test's fake timers do not hold background work

const waiting: (() => void)[] = [];
let pumping = false;

function step(): void {
  waiting.shift()?.();
  if (waiting.length > 0) nextTurn(step);
  else pumping = false;
}

/** Resolves on a later turn of the event loop, after the I/O that is ready by then, one waiter per turn. */
export function yieldToRequests(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push(resolve);
    if (!pumping) {
      pumping = true;
      nextTurn(step);
    }
  });
}

/** How many steps wait for their turn (metrics, tests). */
export function stepsWaiting(): number {
  return waiting.length;
}
