/**
 * The latency proxy (test/helpers/latency-proxy.ts) in a process of its own, driven over IPC by
 * spawnLatencyProxy: argv[2] is its options as JSON; each message { id, op, args } is answered
 * with { id, value } or { id, error }.
 */
import { type LatencyProxyOptions, startLatencyProxy } from './latency-proxy.js';

const proxy = await startLatencyProxy(JSON.parse(process.argv[2] ?? '{}') as LatencyProxyOptions);
const reply = (id: number, p: Promise<unknown>) =>
  p.then(
    (value) => process.send?.({ id, value }),
    (e: unknown) => process.send?.({ id, error: (e as Error).message }),
  );
process.on('message', (m: { id: number; op: string; args: unknown[] }) => {
  const [a, b] = m.args as [number, number];
  if (m.op === 'port') void reply(m.id, Promise.resolve(proxy.port));
  else if (m.op === 'setDelay') void reply(m.id, proxy.setDelay(a, b));
  else if (m.op === 'hold') void reply(m.id, proxy.hold(a));
  else if (m.op === 'stats') void reply(m.id, proxy.stats());
  else if (m.op === 'close')
    void reply(
      m.id,
      proxy.close().then(() => process.disconnect()),
    );
  else void reply(m.id, Promise.reject(new Error(`unknown op ${m.op}`)));
});
// The parent gone (killed, or its run ended): this process goes too.
process.on('disconnect', () => process.exit(0));
