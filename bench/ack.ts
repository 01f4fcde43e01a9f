/**
 * Ack latency: 2,000 signed slash commands (/cz help, /cz runs <task>) and 1,000 button clicks at
 * concurrency 50 against the bot's HTTP receiver (in its own process), and the same load against a
 * bare Bolt app with a trivial handler. Then an open-loop run: 100 signed commands a second for
 * 20 s, sent on schedule whatever the answers, while the bot works through a 5,000-failure storm
 * (its poller on), against the same load on the bare app: ack p99, p99 from command to the reply
 * at `response_url`, and the bot process's peak RSS.
 */
import { createHmac } from 'node:crypto';
import { Agent, request } from 'undici';
import { type Child, startChild } from './child.js';

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

/** Slack's request signature over a form body, as the bot's receiver checks it. */
export function signedHeaders(child: Child, body: string): Record<string, string> {
  const ts = Math.floor(Date.now() / 1000);
  const sig = `v0=${createHmac('sha256', child.info.signingSecret).update(`v0:${ts}:${body}`).digest('hex')}`;
  return { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': sig };
}

/** The ack load's 3,000 bodies: /cz help, /cz runs <task> and a Logs click, in turn. */
export function bodies(child: Child): string[] {
  const out: string[] = [];
  for (let i = 0; i < 3000; i++) {
    if (i % 3 === 2) {
      out.push(clickBody(child, String(i), 'run_logs', '7000022'));
    } else {
      out.push(commandBody(child, String(i), i % 3 === 0 ? 'help' : 'runs 04_transform_ods_to_dwd'));
    }
  }
  return out;
}

/** The load at concurrency 50; with several children (replicas), request n goes to child n mod their number. */
export async function load(child: Child | Child[]): Promise<number[]> {
  const children = Array.isArray(child) ? child : [child];
  const agent = new Agent({ connections: 50 });
  const perChild = children.map((c) => bodies(c));
  const queue = perChild[0]!.map((_, i) => ({ to: children[i % children.length]!, body: perChild[i % children.length]![i]! }));
  const latencies: number[] = [];
  let failures = 0;
  const worker = async () => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      const { to, body } = next;
      const t = process.hrtime.bigint();
      const res = await request(`http://127.0.0.1:${to.info.port}/slack/events`, { method: 'POST', dispatcher: agent, headers: signedHeaders(to, body), body });
      await res.body.dump();
      latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
      if (res.statusCode !== 200) failures++;
    }
  };
  await Promise.all(Array.from({ length: 50 }, worker));
  await agent.close();
  if (failures) throw new Error(`${failures} requests were not acknowledged with 200`);
  return latencies;
}

/** A signed-ready block_actions body: `actionId` clicked with `value`, answered at response `id`. */
export function clickBody(child: Child, id: string, actionId: string, value: string): string {
  const payload = {
    type: 'block_actions',
    team: { id: 'T1' },
    user: { id: 'UVIEW', username: 'v' },
    api_app_id: 'A1',
    token: 'x',
    trigger_id: 't',
    channel: { id: 'C1' },
    container: { type: 'message', message_ts: '1.1', channel_id: 'C1', is_ephemeral: true },
    response_url: `${child.info.slackUrl}/response/${id}`,
    actions: [{ type: 'button', action_id: actionId, block_id: 'b', value, action_ts: '1' }],
  };
  return `payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

export function commandBody(child: Child, id: string, text: string): string {
  return new URLSearchParams({
    token: 'x',
    team_id: 'T1',
    channel_id: 'C1',
    user_id: 'UVIEW',
    user_name: 'v',
    command: '/cz',
    text,
    api_app_id: 'A1',
    response_url: `${child.info.slackUrl}/response/${id}`,
    trigger_id: 't',
  }).toString();
}

/** `rate` signed commands a second for `seconds`, each sent at its time whatever the others do. */
export async function openLoop(child: Child, rate: number, seconds: number): Promise<{ acks: number[]; sentAt: Map<string, number>; failures: number }> {
  const agent = new Agent({ connections: 256, pipelining: 0 });
  const url = `http://127.0.0.1:${child.info.port}/slack/events`;
  const acks: number[] = [];
  const sentAt = new Map<string, number>();
  let failures = 0;
  const total = rate * seconds;
  const t0 = performance.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const id = `ol-${i}`;
    const body = commandBody(child, id, i % 2 === 0 ? 'help' : 'runs 04_transform_ods_to_dwd');
    sentAt.set(id, Date.now());
    const t = performance.now();
    inflight.push(
      request(url, { method: 'POST', dispatcher: agent, headers: signedHeaders(child, body), body }).then(
        async (res) => {
          await res.body.dump();
          acks.push(performance.now() - t);
          if (res.statusCode !== 200) failures++;
        },
        () => {
          failures++;
        },
      ),
    );
  }
  await Promise.all(inflight);
  await agent.close();
  return { acks, sentAt, failures };
}

/**
 * The open-loop comparison, `rounds` times, bare Bolt and the bot alternating (this machine's
 * neighbours make single runs noisy): the medians, and every round's figures.
 */
export async function runOpenLoopBench(rate = 100, seconds = 20, rounds = 3) {
  type Entry = { p50: number; p99: number; failures: number; replyP99?: number; replies?: number; peakRssMB?: number; stormCalls?: number };
  const rows: { bare: Entry; bot: Entry }[] = [];
  for (let round_ = 0; round_ < rounds; round_++) {
    const out: Record<string, Entry> = {};
    for (const [name, args] of [
      ['bare', ['--bare']],
      ['bot', ['--storm']],
    ] as const) {
      const child = await startChild([...args]);
      try {
        const r = await openLoop(child, rate, seconds);
        const entry: Entry = { p50: round(percentile(r.acks, 50)), p99: round(percentile(r.acks, 99)), failures: r.failures };
        if (name === 'bot') {
          await child.idle();
          const { answeredAt, apiCalls } = await child.answers();
          const replies = [...r.sentAt].flatMap(([id, at]) => (answeredAt[id] !== undefined ? [answeredAt[id]! - at] : []));
          entry.replies = replies.length;
          entry.replyP99 = replies.length ? round(percentile(replies, 99)) : undefined;
          entry.peakRssMB = Math.round((await child.peakRss()) / 1024 / 1024);
          entry.stormCalls = (apiCalls['/api/chat.postMessage'] ?? 0) + (apiCalls['/api/chat.update'] ?? 0);
        }
        out[name] = entry;
      } finally {
        child.stop();
      }
    }
    rows.push({ bare: out.bare!, bot: out.bot! });
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return {
    rate,
    seconds,
    rounds,
    requests: rate * seconds,
    botAckP50Ms: median(rows.map((r) => r.bot.p50)),
    botAckP99Ms: median(rows.map((r) => r.bot.p99)),
    bareAckP50Ms: median(rows.map((r) => r.bare.p50)),
    bareAckP99Ms: median(rows.map((r) => r.bare.p99)),
    botReplyP99Ms: median(rows.map((r) => r.bot.replyP99 ?? Number.POSITIVE_INFINITY)),
    repliesReceived: Math.min(...rows.map((r) => r.bot.replies ?? 0)),
    failures: rows.reduce((n, r) => n + r.bot.failures + r.bare.failures, 0),
    botPeakRssMB: Math.max(...rows.map((r) => r.bot.peakRssMB ?? 0)),
    stormMessagesSentMeanwhile: median(rows.map((r) => r.bot.stormCalls ?? 0)),
    perRound: rows.map((r) => ({ bareP99: r.bare.p99, botP99: r.bot.p99, botReplyP99: r.bot.replyP99, botPeakRssMB: r.bot.peakRssMB })),
  };
}

const round = (x: number) => Math.round(x * 100) / 100;

export async function runAckBench() {
  const results: Record<string, number[]> = {};
  /** From the first request of the measured round until every answer was sent. */
  const drainMs: Record<string, number> = {};
  for (const [name, args] of [
    ['baseline', ['--bare']],
    ['bot', ['--studio-process']],
  ] as const) {
    const child = await startChild([...args]);
    try {
      await load(child); // warm-up round (JIT, connections, first auth.test)
      await child.idle(); // its answers are all sent before the measured round starts
      const t = Date.now();
      results[name] = await load(child);
      await child.idle();
      drainMs[name] = Date.now() - t;
    } finally {
      child.stop();
    }
  }
  const p = (n: string, q: number) => Math.round(percentile(results[n]!, q) * 100) / 100;
  return {
    requests: results.bot!.length,
    botP50Ms: p('bot', 50),
    botP99Ms: p('bot', 99),
    baselineP50Ms: p('baseline', 50),
    baselineP99Ms: p('baseline', 99),
    botAllAnsweredMs: drainMs.bot,
    baselineAllAnsweredMs: drainMs.baseline,
  };
}
