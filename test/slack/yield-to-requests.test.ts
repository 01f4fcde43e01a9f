import { once } from 'node:events';
import { type AddressInfo, type Socket, connect, createServer } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { yieldToRequests } from '../../src/yield-to-requests.js';

const busy = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

let cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup) c();
  cleanup = [];
});

it('background steps go one per turn of the event loop: a request that arrives during a step is read before the next step', async () => {
  const order: string[] = [];
  const server = createServer((s: Socket) => s.on('data', () => order.push('request read')));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
  await once(client, 'connect');
  cleanup.push(
    () => client.destroy(),
    () => server.close(),
  );
  await new Promise((r) => setTimeout(r, 20)); // the server has accepted it
  const work = async (name: string, send: boolean) => {
    await yieldToRequests();
    if (send) client.write('a request'); // arrives while this step runs
    busy(15);
    order.push(name);
  };
  await Promise.all([work('step 1', true), work('step 2', false), work('step 3', false)]);
  await new Promise((r) => setTimeout(r, 20));
  expect(order).toEqual(['step 1', 'request read', 'step 2', 'step 3']);
});
