/** Every builder stays inside Slack's limits with the largest realistic inputs; the checker catches breaks. */
import { describe, expect, it } from 'vitest';
import { codeBlocks, finishMessage, section } from '../../src/blocks/kit.js';
import { LIMITS, checkMessage, checkView } from '../../src/blocks/limits.js';
import { buildApprovalRequest, buildBackfillModal, buildConfirmation } from '../../src/blocks/operations.js';
import { buildAudit, buildHelp, buildLogView, buildRunDetail, buildRunList, buildTaskList } from '../../src/blocks/replies.js';
import type { BackfillPreview } from '../../src/ops/operations.js';
import type { AuditRow } from '../../src/store/audit.js';
import { runStatus, runType, taskTypeFromFileType, taskTypeFromScheduleType } from '../../src/studio/enums.js';
import type { Run, TaskSummary } from '../../src/studio/models.js';

const links = {
  runLink: (id: number) => `https://acme.cn-shanghai-alicloud.app.clickzetta.com/ops/taskInst/${id}`,
  taskLink: (id: number) => `https://acme.cn-shanghai-alicloud.app.clickzetta.com/ide?workspace_name=prod&fileId=${id}`,
};
const LONG = 'java.lang.RuntimeException: Failed to deserialize data of EventHeaderV4{timestamp=1763601234000, eventType=EXT_UPDATE_ROWS} <&> '.repeat(30);

function run(i: number): Run {
  return {
    id: 7_000_000 + i,
    taskId: 1000 + i,
    taskName: `task_with_a_rather_long_name_number_${i}_${'x'.repeat(60)}`,
    taskType: taskTypeFromScheduleType(23),
    runType: runType(1),
    status: runStatus(i % 3 === 0 ? 3 : 1),
    planTime: 1_795_000_000_000 + i * 3_600_000,
    triggerTime: undefined,
    startTime: 1_795_000_000_000,
    endTime: 1_795_000_100_000,
    failType: 'RUNTIME_ERROR',
    failMsg: LONG,
    rerunStatus: 0,
    owner: 'alice',
    ownerCn: undefined,
    executor: 'scheduler',
    vcCode: 'default',
    bizDate: '2026-11-20',
    priority: 1,
    projectId: 1,
    projectName: 'p',
  };
}

function task(i: number): TaskSummary & { folderName: string } {
  return {
    id: 1000 + i,
    name: `ods_${'very_long_segment_'.repeat(8)}${i}`,
    folderId: i % 5,
    folderName: `folder_${i % 5}_${'y'.repeat(80)}`,
    type: taskTypeFromFileType(4),
    editState: undefined,
    taskStatus: { code: 1, label: 'ONLINE' },
    owner: 'someone.with.a.long.name@example.com',
    updatedAt: 0,
  };
}

describe('builders stay within Block Kit limits', () => {
  it('100 runs with long failure messages', () => {
    const runs = Array.from({ length: 100 }, (_, i) => run(i));
    const m = buildRunList({ task: task(1), runs, total: 100, status: undefined, sinceText: '7d' }, links, '/cz runs x');
    expect(checkMessage(m)).toEqual([]);
    const text = JSON.stringify(m.blocks);
    expect(text).toMatch(/more run(s)? not shown|more blocks? not shown/); // cut visibly, never silently
  });

  it('50 tasks in one reply', () => {
    const m = buildTaskList({ folder: undefined, tasks: Array.from({ length: 50 }, (_, i) => task(i)) }, links, '/cz tasks');
    expect(checkMessage(m)).toEqual([]);
    const shown = (JSON.stringify(m.blocks).match(/ods_very_long/g) ?? []).length;
    if (shown < 50) expect(JSON.stringify(m.blocks)).toContain('not shown');
  });

  it('a 5 MB log page and a run with a huge failure message', () => {
    const huge = 'x'.repeat(5 * 1024 * 1024);
    const log = {
      runId: 1,
      attempt: { id: 1, runId: 1, createdAt: 0, startTime: 0, endTime: 0, result: 'FAILED', createdBy: 'x' },
      attemptNumber: 1,
      attemptCount: 1,
      text: huge,
      startOffset: 0,
      endOffset: huge.length,
      totalLength: huge.length,
      hasPrevious: false,
      hasNext: true,
      linesNotShown: 0,
    };
    const m = buildLogView(log, links);
    expect(checkMessage(m)).toEqual([]);
    expect(JSON.stringify(m.blocks)).toContain('more below: use Next');
    const r = { ...run(3), failMsg: huge };
    const d = buildRunDetail({ run: r, attempts: [log.attempt, { ...log.attempt, id: 2 }], log }, links, '/cz run 1');
    expect(checkMessage(d)).toEqual([]);
  });

  it('25 audit rows with long errors, help, confirmations, approval requests and the backfill modal', () => {
    const rows: AuditRow[] = Array.from({ length: 25 }, (_, i) => ({
      id: i,
      at: 1_795_000_000_000,
      opId: 'op',
      actorId: 'U1',
      actorName: 'a',
      teamId: 'T',
      channelId: 'C',
      source: 'button',
      action: 'backfill',
      target: `task:${i}`,
      taskName: 'x'.repeat(200),
      params: {},
      outcome: 'failed',
      error: LONG,
      studioRequestId: 'sob-123',
      idempotencyKey: 'k',
      prevHash: '',
      hash: '',
    }));
    expect(checkMessage(buildAudit(rows, 'since 7d'))).toEqual([]);
    expect(checkMessage(buildHelp())).toEqual([]);
    const op = {
      id: 'op-1',
      action: 'rerun',
      target: 'run:1',
      taskName: 't',
      params: { from: '2026-01-01', to: '2026-03-01' },
      requestedBy: 'U1',
      requestedByName: null,
      teamId: null,
      channelId: null,
      source: 'slash',
      status: 'awaiting_confirmation' as const,
      result: null,
      createdAt: 0,
      updatedAt: 0,
      expiresAt: 0,
    };
    expect(checkMessage(buildConfirmation({ kind: 'confirm', op, title: LONG, details: [LONG, LONG, LONG], link: links.runLink(1) }))).toEqual([]);
    const preview: BackfillPreview = {
      kind: 'preview',
      task: task(1),
      folder: 'f',
      from: '2026-01-01',
      to: '2026-12-31',
      dates: Array.from({ length: 365 }, (_, i) => `d${i}`),
      vcCode: 'default',
      downstream: Array.from({ length: 200 }, (_, i) => ({ taskId: i, name: `downstream_task_${i}_${'z'.repeat(40)}` })),
      conflicts: Array.from({ length: 50 }, (_, i) => run(i)),
      role: 'operator',
      limitDays: 7,
      needsApproval: true,
      link: links.taskLink(1),
    };
    expect(
      checkMessage(buildApprovalRequest({ kind: 'approval', op, preview, approvers: { users: Array.from({ length: 300 }, (_, i) => `U${i}ADMIN`), groups: ['S0ADMINS'] } })),
    ).toEqual([]);
    expect(checkView(buildBackfillModal({ task: 'x'.repeat(500), from: '2026-01-01', to: '2026-12-31' }, preview, links, { channelId: 'C1' }) as never)).toEqual([]);
  });
});

describe('the checker and the message cap can fail', () => {
  it('flags what Slack would reject', () => {
    const bad = {
      text: 'x',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } },
        { type: 'section', text: { type: 'mrkdwn', text: 's'.repeat(3001) } },
        { type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'b'.repeat(76) }, action_id: 'a', value: 'v'.repeat(2001) }] },
        ...Array.from({ length: 50 }, () => ({ type: 'divider' })),
      ],
    };
    const v = checkMessage(bad);
    expect(v).toEqual(
      expect.arrayContaining([
        expect.stringContaining('53 blocks'),
        expect.stringContaining('blocks[0] (header).text: 151 characters (max 150)'),
        expect.stringContaining('blocks[1] (section).text: 3001 characters (max 3000)'),
        expect.stringContaining('.text: 76 characters (max 75)'),
        expect.stringContaining('button value over 2000'),
      ]),
    );
  });

  it('flags Slack’s element rules, not only sizes', () => {
    const pt = (text: string) => ({ type: 'plain_text', text });
    const md = (text: string) => ({ type: 'mrkdwn', text });
    const opt = (v: string) => ({ text: pt(v), value: v });
    const v = checkMessage({
      text: 'x',
      blocks: [
        {
          type: 'actions',
          block_id: 'same',
          elements: [
            { type: 'button', action_id: 'go', text: md('*bold*'), value: '1' },
            { type: 'button', action_id: 'go', text: pt('Again'), value: '2', url: `https://x/${'u'.repeat(3000)}` },
            { type: 'overflow', action_id: 'more', options: [opt('only')] },
            { type: 'static_select', action_id: 'pick', options: [opt('a'), opt('a'), { text: pt('long'), value: 'v'.repeat(151) }], initial_option: opt('z') },
            { type: 'datepicker', action_id: 'day', initial_date: '2026-11-5' },
            {
              type: 'button',
              action_id: 'danger',
              text: pt('Delete'),
              value: '3',
              confirm: { title: md('Sure?'), text: md('t'.repeat(301)), confirm: pt('c'.repeat(31)), deny: pt('No') },
            },
          ],
        },
        { type: 'section', block_id: 'same', text: md('hi') },
        { type: 'context', elements: [] },
      ],
    });
    const want = [
      'block_id "same" repeated in this message',
      'action_id "go" repeated in this block',
      'elements[0].text: must be plain_text',
      'elements[1].url: url over 3000',
      '1 overflow options (2–5)',
      'value "a" repeated',
      'value over 150',
      'initial_option is not one of the options',
      'initial_date "2026-11-5" is not YYYY-MM-DD',
      'confirm.title: must be plain_text',
      'confirm.text: 301 characters (max 300)',
      'confirm.confirm: 31 characters (max 30)',
      '0 context elements',
    ];
    for (const w of want)
      expect(
        v.some((x) => x.includes(w)),
        `${w} in ${JSON.stringify(v)}`,
      ).toBe(true);
    expect(checkView({ type: 'modal', title: md('*T*'), blocks: [{ type: 'input', label: md('L'), element: { type: 'plain_text_input', action_id: 'a' } }] })).toEqual(
      expect.arrayContaining(['title: must be plain_text', 'blocks[0] (input).label: must be plain_text', 'a modal with inputs needs a submit button']),
    );
  });

  it('finishMessage keeps 50 blocks and the size ceiling, saying what it left out', () => {
    const blocks = Array.from({ length: 80 }, (_, i) => section(`${i} ${'w'.repeat(500)}`));
    const m = finishMessage('t', blocks);
    expect(m.blocks.length).toBeLessThanOrEqual(LIMITS.messageBlocks);
    expect(JSON.stringify(m.blocks).length).toBeLessThanOrEqual(LIMITS.messageJsonChars);
    expect(JSON.stringify(m.blocks.at(-1))).toMatch(/\d+ more blocks not shown/);
    expect(checkMessage(m)).toEqual([]);
  });

  it('codeBlocks never cuts silently', () => {
    const parts = codeBlocks('line\n'.repeat(5000), 1);
    expect(parts).toHaveLength(1);
    expect(JSON.stringify(parts)).toContain('more below');
  });
});

describe('escaping and clipping', () => {
  it('clip never leaves half of a surrogate pair', async () => {
    const { clip } = await import('../../src/blocks/limits.js');
    const text = `${'a'.repeat(2998)}😀😀😀`;
    const out = clip(text, 3000);
    expect(out.length).toBeLessThanOrEqual(3000);
    expect(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/.test(out)).toBe(false);
    expect(out.endsWith('…')).toBe(true);
  });

  it('the fallback text cannot ping or link: <!channel>, <!here>, <!subteam^…> and <url|x> are escaped', async () => {
    const { finishMessage, section } = await import('../../src/blocks/kit.js');
    const m = finishMessage('hi <!channel> <!here> <!subteam^S1> <http://evil.example|x> & password=hunter2', [section('x')]);
    expect(m.text).toBe('hi &lt;!channel&gt; &lt;!here&gt; &lt;!subteam^S1&gt; &lt;http://evil.example|x&gt; &amp; password=[redacted]');
  });
});
