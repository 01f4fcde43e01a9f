/** Footprint: time to ready and idle RSS of the bot (with its embedded sandbox) against a bare Bolt app. */
import { startChild } from './child.js';

export async function runFootprintBench() {
  const out: Record<string, { readyMs: number; rssMB: number }> = {};
  for (const [name, args] of [
    ['baseline', ['--bare']],
    ['bot', []],
  ] as const) {
    const child = await startChild([...args]);
    await new Promise((r) => setTimeout(r, 2000)); // idle
    out[name] = { readyMs: child.spawnToReadyMs, rssMB: Math.round((await child.rss()) / 1024 / 1024) };
    child.stop();
  }
  return { botReadyMs: out.bot!.readyMs, baselineReadyMs: out.baseline!.readyMs, botRssMB: out.bot!.rssMB, baselineRssMB: out.baseline!.rssMB };
}
