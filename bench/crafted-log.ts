/**
 * Ack latency while a crafted log is diagnosed (issue 27). The bot runs in its own process (the
 * sandbox in another); `/cz help` arrives at `rate` a second for `seconds`, each sent at its time
 * whatever the answers, first with nothing else going on, then while Diagnose is clicked every
 * `clickEveryMs` on a run whose log is the 1 MB crafted log of test/fixtures/crafted-log.ts (each
 * click reads and diagnoses the whole log), in alternating rounds. Ack p99 of both (medians over
 * the rounds), timed from when each request was due, and how long the diagnoses took to answer.
 */
import { Agent, request } from 'undici';
import { craftedLog } from '../test/fixtures/crafted-log.js';
import { clickBody, commandBody, percentile, signedHeaders } from './ack.js';
import { type Child, startChild } from './child.js';

/** A failed run of the sandbox's seed (the one the ack benchmark's clicks read). */
const RUN_ID = 7000022;

async function setRunLog(child: Child, runId: number, text: string): Promise<void> {
  const s = child.info.studio;
  if (!s) throw new Error('the bot child has no sandbox process to set a log in');
  const res = await request(`${s.url}/__sandbox/attempt-log`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-sandbox-admin': s.accessToken },
    body: JSON.stringify({ runId, text }),
  });
  const body = (await res.body.json()) as { code: number | string; message?: string };
  if (body.code !== 0) throw new Error(`the sandbox did not take the log: ${body.message}`);
}

/** `/cz help` at `rate` a second for `seconds` (and a Diagnose click every `clickEveryMs`, if given): ack times from when each was due. */
async function load(child: Child, label: string, rate: number, seconds: number, clickEveryMs?: number) {
  const agent = new Agent({ connections: 256, pipelining: 0 });
  const url = `http://127.0.0.1:${child.info.port}/slack/events`;
  const acks: number[] = [];
  const clicks: { id: string; sentAt: number; ackMs?: number }[] = [];
  let failures = 0;
  const send = (body: string, due: number, onAck: (ms: number) => void) =>
    request(url, { method: 'POST', dispatcher: agent, headers: signedHeaders(child, body), body }).then(
      async (res) => {
        await res.body.dump();
        onAck(performance.now() - due);
        if (res.statusCode !== 200) failures++;
      },
      () => {
        failures++;
      },
    );
  const inflight: Promise<void>[] = [];
  const t0 = performance.now();
  const events: { at: number; kind: 'help' | 'click'; n: number }[] = [];
  for (let i = 0; i < rate * seconds; i++) events.push({ at: (i * 1000) / rate, kind: 'help', n: i });
  if (clickEveryMs) for (let i = 0; i * clickEveryMs < seconds * 1000; i++) events.push({ at: i * clickEveryMs, kind: 'click', n: i });
  events.sort((a, b) => a.at - b.at);
  for (const e of events) {
    const due = t0 + e.at;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (e.kind === 'help') {
      inflight.push(send(commandBody(child, `${label}-help-${e.n}`, 'help'), due, (ms) => acks.push(ms)));
    } else {
      const c: (typeof clicks)[number] = { id: `${label}-diagnose-${e.n}`, sentAt: Date.now() };
      clicks.push(c);
      inflight.push(send(clickBody(child, c.id, 'run_diagnose', String(RUN_ID)), due, (ms) => (c.ackMs = ms)));
    }
  }
  await Promise.all(inflight);
  await agent.close();
  return { acks, clicks, failures };
}

const round = (x: number) => Math.round(x * 10) / 10;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** `rounds` rounds, each "without" then "during" on the same bot (this machine's neighbours make single rounds noisy): the medians, and every round. */
export async function runCraftedLogBench(rate = 20, seconds = 10, clickEveryMs = 500, rounds = 3) {
  const child = await startChild(['--studio-process']);
  try {
    const log = craftedLog();
    await setRunLog(child, RUN_ID, log);
    await load(child, 'warm', rate, 2, 1000); // JIT, connections, the diagnosis worker started
    await child.idle();
    const perRound: { withoutP99: number; duringP99: number; duringMax: number; clicked: number; answered: number; answerP50?: number; failures: number }[] = [];
    const clickAcks: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const without = await load(child, `without${r}`, rate, seconds);
      await child.idle();
      const during = await load(child, `during${r}`, rate, seconds, clickEveryMs);
      await child.idle();
      const { answeredAt } = await child.answers();
      const replies = during.clicks.flatMap((c) => (answeredAt[c.id] !== undefined ? [answeredAt[c.id]! - c.sentAt] : []));
      clickAcks.push(...during.clicks.map((c) => c.ackMs ?? Number.POSITIVE_INFINITY));
      perRound.push({
        withoutP99: round(percentile(without.acks, 99)),
        duringP99: round(percentile(during.acks, 99)),
        duringMax: round(Math.max(...during.acks)),
        clicked: during.clicks.length,
        answered: replies.length,
        answerP50: replies.length ? round(percentile(replies, 50)) : undefined,
        failures: without.failures + during.failures,
      });
    }
    return {
      logBytes: log.length,
      helpPerSecond: rate,
      seconds,
      rounds,
      diagnoseClickEveryMs: clickEveryMs,
      withoutAckP99Ms: median(perRound.map((r) => r.withoutP99)),
      duringAckP99Ms: median(perRound.map((r) => r.duringP99)),
      duringAckMaxMs: Math.max(...perRound.map((r) => r.duringMax)),
      diagnoseClickAckP99Ms: round(percentile(clickAcks, 99)),
      diagnosesClicked: perRound.reduce((n, r) => n + r.clicked, 0),
      diagnosesAnswered: perRound.reduce((n, r) => n + r.answered, 0),
      diagnosisAnswerP50Ms: median(perRound.map((r) => r.answerP50 ?? Number.POSITIVE_INFINITY)),
      failures: perRound.reduce((n, r) => n + r.failures, 0),
      peakRssMB: Math.round((await child.peakRss()) / 1024 / 1024),
      perRound,
    };
  } finally {
    child.stop();
  }
}
