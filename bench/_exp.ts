import { createHmac } from 'node:crypto';
import { Agent, request } from 'undici';
import { startChild } from './child.js';
const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!.toFixed(1); };
const child = await startChild(process.argv.slice(2));
const url = `http://127.0.0.1:${child.info.port}/slack/events`;
function body(kind: string, i: number) {
  if (kind === 'click') { const payload = { type: 'block_actions', team: { id: 'T1' }, user: { id: 'UVIEW', username: 'v' }, api_app_id: 'A1', token: 'x', trigger_id: 't', channel: { id: 'C1' }, container: { type: 'message', message_ts: '1.1', channel_id: 'C1', is_ephemeral: true }, response_url: `${child.info.slackUrl}/response/${i}`, actions: [{ type: 'button', action_id: 'run_logs', block_id: 'b', value: '7000022', action_ts: '1' }] }; return `payload=${encodeURIComponent(JSON.stringify(payload))}`; }
  return new URLSearchParams({ token: 'x', team_id: 'T1', channel_id: 'C1', user_id: 'UVIEW', user_name: 'v', command: '/cz', text: kind === 'help' ? 'help' : 'runs 04_transform_ods_to_dwd', api_app_id: 'A1', response_url: `${child.info.slackUrl}/response/${i}`, trigger_id: 't' }).toString();
}
for (const kind of ['help', 'runs', 'click', 'help']) {
  const agent = new Agent({ connections: 50 });
  const lat: number[] = []; let n = 0; const t0 = Date.now();
  const worker = async () => { while (n < 600) { const b = body(kind, n++); const ts = Math.floor(Date.now() / 1000); const sig = `v0=${createHmac('sha256', child.info.signingSecret).update(`v0:${ts}:${b}`).digest('hex')}`; const t = performance.now(); const r = await request(url, { method: 'POST', dispatcher: agent, headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': sig }, body: b }); await r.body.dump(); lat.push(performance.now() - t); } };
  await Promise.all(Array.from({ length: 50 }, worker));
  console.log(kind, 'p50', pct(lat, 50), 'p99', pct(lat, 99), 'wall', Date.now() - t0);
  await agent.close();
  await new Promise((r) => setTimeout(r, 3000));
}
child.stop();
