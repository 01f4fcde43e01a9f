/**
 * The boundary in front of Slack (issue 27): what a Web API stand-in on loopback receives from a
 * WebClient given the redacting fetch — displayed strings redacted, identifiers untouched.
 */
import { type IncomingMessage, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { webApi } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redactSlackPayload, redactingFetch, slackFetch } from '../../src/slack/outbound-redaction.js';

const TOKEN = 'ghp_R8kq2LmZ9xVt4Wn7Pc1Ys5Hd3Jf6Gb0Ta9Qe';
const PASSWORD = 'Harbor!4821xQ7a';
/** An identifier that looks random: it must reach Slack as it is. */
const OPAQUE = 'Zq7Lm2Xc9Vb4Nt6Rk1Wp3Yh8Df5Gs0Ja';

let server: Server;
let url: string;
const received: { path: string; type: string; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', type: String(req.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, ts: '1700000000.000100', channel: 'C1' }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

describe('redacting fetch', () => {
  it('a Web API call: text and blocks redacted, ids, values and metadata untouched', async () => {
    const client = new webApi.WebClient('xoxb-test', { slackApiUrl: `${url}/api/`, fetch: slackFetch, retryConfig: { retries: 0 } });
    await client.chat.postMessage({
      channel: 'C0ALERTS',
      thread_ts: '1700000000.000100',
      text: `login failed with password=${PASSWORD}`,
      blocks: [
        { type: 'section', block_id: OPAQUE, text: { type: 'mrkdwn', text: `token ${TOKEN} rejected` } },
        {
          type: 'actions',
          elements: [{ type: 'button', action_id: 'run_diagnose', value: `{"c":12,"r":7000022,"k":"${OPAQUE}"}`, text: { type: 'plain_text', text: 'Diagnose' } }],
        },
      ],
      metadata: { event_type: 'outbox', event_payload: { marker: OPAQUE } },
    });
    const got = received.at(-1)!;
    const form = new URLSearchParams(got.body);
    expect(form.get('channel')).toBe('C0ALERTS');
    expect(form.get('thread_ts')).toBe('1700000000.000100');
    expect(form.get('text')).toBe('login failed with password=[redacted]');
    const blocks = JSON.parse(form.get('blocks')!) as { block_id?: string; text?: { text: string }; elements?: { value: string; action_id: string }[] }[];
    expect(blocks[0]!.text!.text).toMatch(/^token (?:ghp_)?\[redacted\] rejected$/);
    expect(blocks[0]!.block_id).toBe(OPAQUE);
    expect(blocks[1]!.elements![0]!.value).toBe(`{"c":12,"r":7000022,"k":"${OPAQUE}"}`);
    expect(blocks[1]!.elements![0]!.action_id).toBe('run_diagnose');
    expect(JSON.parse(form.get('metadata')!)).toEqual({ event_type: 'outbox', event_payload: { marker: OPAQUE } });
  });

  it('a view: titles, labels and initial values redacted; private_metadata and callback_id untouched', async () => {
    const client = new webApi.WebClient('xoxb-test', { slackApiUrl: `${url}/api/`, fetch: slackFetch, retryConfig: { retries: 0 } });
    await client.views.publish({
      user_id: 'U1',
      view: {
        type: 'home',
        callback_id: 'home',
        private_metadata: OPAQUE,
        blocks: [
          { type: 'input', label: { type: 'plain_text', text: 'SQL' }, element: { type: 'plain_text_input', action_id: 'sql', initial_value: `SET secret = '${PASSWORD}'` } },
        ],
      },
    });
    const view = JSON.parse(new URLSearchParams(received.at(-1)!.body).get('view')!) as { private_metadata: string; blocks: { element: { initial_value: string } }[] };
    expect(view.private_metadata).toBe(OPAQUE);
    expect(view.blocks[0]!.element.initial_value).toBe("SET secret = '[redacted]'");
  });

  it('a response_url post (JSON) and a file upload (multipart) are redacted too', async () => {
    await slackFetch(`${url}/response/abc`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ replace_original: false, text: `Authorization: Bearer ${TOKEN}` }),
    });
    expect(JSON.parse(received.at(-1)!.body)).toEqual({ replace_original: false, text: 'Authorization: Bearer [redacted]' });
    const form = new FormData();
    form.append('channels', 'C1');
    form.append('initial_comment', `the log, with DB_PASSWORD=${PASSWORD}`);
    form.append('file', new Blob([`line 1\nexport API_TOKEN=${TOKEN}\n`], { type: 'text/plain' }), 'run.log');
    await redactingFetch()(`${url}/api/files.upload`, { method: 'POST', body: form });
    const body = received.at(-1)!.body;
    expect(body).not.toContain(PASSWORD);
    expect(body).not.toContain(TOKEN.slice(4));
    expect(body).toContain('DB_PASSWORD=[redacted]');
    expect(body).toContain('name="channels"\r\n\r\nC1');
  });

  it('an ack body (modal errors, a command answer) is redacted; a lengthened text stays within the smallest Slack limit it kept', async () => {
    expect(await redactSlackPayload({ response_action: 'errors', errors: { sql_block: `bad value pwd=${PASSWORD}` } })).toEqual({
      response_action: 'errors',
      errors: { sql_block: 'bad value pwd=[redacted]' },
    });
    const short = await redactSlackPayload({ type: 'plain_text', text: 'pwd=abc' });
    expect(short.text.length).toBeLessThanOrEqual(24);
    expect(short.text).not.toContain('abc');
  });
});
