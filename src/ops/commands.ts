/**
 * The `/cz` command language: text → a typed command, or an error that says what was wrong with a
 * correct example. Knows nothing of Slack beyond the mention syntax `<@U123|name>`.
 */
import { z } from 'zod';
import { DEFAULT_MARGIN_MIN, parseCommitted, parseMargin } from '../baselines/model.js';
import { closeMatches } from '../studio/close-matches.js';
import { isValidDate } from '../studio/dates.js';
import { type RunStatusGroup, type TaskKind, TASK_KINDS, taskKindByKey } from '../studio/enums.js';
import type { StreamOpAction } from './stream-ops.js';

export type CzCommand =
  | { name: 'help'; topic?: string }
  | { name: 'tasks'; folder?: string; type?: TaskKind; nameLike?: string }
  | { name: 'task'; task: string }
  | { name: 'streams'; state?: 'failed' | 'lagging' }
  | { name: 'stream'; action: StreamOpAction; task: string; table?: string; fromTime?: number }
  | { name: 'runs'; task: string; status?: RunStatusGroup; sinceMs: number; sinceText: string }
  | { name: 'run'; runId: number }
  | { name: 'diagnose'; runId: number }
  | { name: 'logs'; runId: number; attempt?: number; tail: number }
  | { name: 'deps'; task: string }
  | { name: 'lineage'; ref: string }
  | { name: 'promote'; folder: string; from: string; to: string }
  | { name: 'rerun'; runId: number }
  | { name: 'backfill'; task: string; from: string; to: string }
  | { name: 'stop'; runId: number }
  | { name: 'execute'; task: string; params: Record<string, string> }
  | { name: 'audit'; userId?: string; task?: string; sinceMs: number; sinceText: string }
  | { name: 'whoami' }
  | { name: 'explain'; query: string }
  | { name: 'types'; source: string }
  | { name: 'report'; days: number }
  | { name: 'check'; folder?: string }
  | { name: 'setup' }
  | { name: 'cron'; expression: string }
  | { name: 'dt'; table?: string }
  | { name: 'table'; table: string; sample: boolean }
  | { name: 'baseline'; add?: { task: string; at: string; marginMin: number } };

export interface SubcommandHelp {
  name: CzCommand['name'];
  usage: string;
  example: string;
  description: string;
}

/** Subcommands that change Studio: their refusals, malformed ones included, are audited. */
export const WRITE_SUBCOMMANDS: ReadonlySet<string> = new Set(['rerun', 'stop', 'backfill', 'stream', 'baseline', 'promote']);

/** `/cz stream <verb>`: the verbs and the operation each is. */
const STREAM_VERBS: Record<string, StreamOpAction> = {
  start: 'stream_start',
  stop: 'stream_stop',
  restart: 'stream_restart',
  resync: 'table_resync',
  pause: 'table_pause',
  recover: 'table_recover',
  'start-table': 'table_start',
  'stop-table': 'table_stop',
};

export const SUBCOMMANDS: readonly SubcommandHelp[] = [
  { name: 'help', usage: 'help [subcommand]', example: '/cz help backfill', description: 'every subcommand with an example' },
  { name: 'tasks', usage: 'tasks [folder] [--type T] [--name text]', example: '/cz tasks ecommerce_dw --type SQL', description: 'list tasks, optionally in one folder' },
  {
    name: 'task',
    usage: 'task <task>',
    example: '/cz task 04_transform_ods_to_dwd',
    description: 'type, status, owner, schedule with next runs, dependencies, latest run (<task>: a name, folder/name, or the id)',
  },
  {
    name: 'runs',
    usage: 'runs <task> [--status failed|running|success|waiting] [--since 3d]',
    example: '/cz runs 04_transform_ods_to_dwd --status failed --since 7d',
    description: 'recent runs of a task',
  },
  { name: 'run', usage: 'run <run-id>', example: '/cz run 7000022', description: 'a run: detail, attempts and the end of its log' },
  {
    name: 'diagnose',
    usage: 'diagnose <run-id>',
    example: '/cz diagnose 7000022',
    description: 'why a run failed: the cause, the lines that show it, and the fix (the Diagnose button on a card does the same)',
  },
  { name: 'logs', usage: 'logs <run-id> [--attempt N] [--tail N]', example: '/cz logs 7000022 --tail 50', description: "a run's log, redacted, page by page" },
  {
    name: 'streams',
    usage: 'streams [--state failed|lagging]',
    example: '/cz streams --state lagging',
    description: 'real-time and CDC tasks: state, lag, throughput, failed tables',
  },
  {
    name: 'stream',
    usage: 'stream start|stop|restart <task> [--from <time>] · stream resync|pause|recover|start-table|stop-table <task> <table>',
    example: '/cz stream resync cdc_mysql_shop shop.order_items',
    description: 'operate a real-time or CDC stream, or one table of a CDC pipeline (asks to confirm)',
  },
  { name: 'deps', usage: 'deps <task>', example: '/cz deps 04_transform_ods_to_dwd', description: 'upstream and downstream tasks' },
  {
    name: 'lineage',
    usage: 'lineage <schema.table | task>',
    example: '/cz lineage ecommerce_ods.orders',
    description: "which tasks write a table, which tasks and Dynamic Tables read it, and what a change to it touches (from the tasks' SQL, sync targets, DT definitions)",
  },
  {
    name: 'promote',
    usage: 'promote <folder> --from <workspace> --to <workspace>',
    example: '/cz promote ecommerce_dw --from dev --to prod',
    description: "dev → prod: the folder's difference between two workspaces (names mapped per the workspaces file), applied to the target on Confirm; Undo",
  },
  { name: 'rerun', usage: 'rerun <run-id>', example: '/cz rerun 7000022', description: 'rerun a finished run (asks to confirm)' },
  {
    name: 'backfill',
    usage: 'backfill <task> <from> <to>',
    example: '/cz backfill 04_transform_ods_to_dwd 2026-11-01 2026-11-03',
    description: 'backfill business dates (opens a preview)',
  },
  {
    name: 'execute',
    usage: 'execute <task> [--param key=value …]',
    example: '/cz execute 04_transform_ods_to_dwd --param bizdate=2026-11-20',
    description: 'run a task once now, as a temporary run (asks to confirm)',
  },
  { name: 'stop', usage: 'stop <run-id>', example: '/cz stop 7000022', description: 'stop a running or waiting run (asks to confirm)' },
  {
    name: 'audit',
    usage: 'audit [--user @x] [--task <task>] [--since 7d]',
    example: '/cz audit --task 04_transform_ods_to_dwd --since 7d',
    description: 'who did what, when (on a task and its runs)',
  },
  {
    name: 'explain',
    usage: 'explain <code or text>',
    example: '/cz explain SCHEDULE_TASK_HAD_CHILDREN_NODES_EXCEPTION',
    description: 'what an error code or message means, and the fix',
  },
  {
    name: 'types',
    usage: 'types [source type]',
    example: '/cz types mysql',
    description: 'Studio task types and which sync to choose; with a source, how its column types map to Lakehouse',
  },
  { name: 'setup', usage: 'setup', example: '/cz setup', description: 'guided pipeline set-up in a DM: questions → plan → built in Studio' },
  { name: 'check', usage: 'check [folder]', example: '/cz check legacy_dw', description: 'review a folder against the DDL/pipeline standards (P0/P1/P2, with fixes)' },
  { name: 'cron', usage: 'cron <expression>', example: '/cz cron 30 2 * * *', description: "Studio's 7-field form, in words, next runs in your time zone, restrictions" },
  {
    name: 'baseline',
    usage: 'baseline [add <task> by <09:00|25:30|:45> [margin 30m]]',
    example: '/cz baseline add 05_dqc_check by 09:00 margin 30m',
    description: 'outputs committed by a time: each one safe, at risk, late or landed; add one (operators)',
  },
  { name: 'report', usage: 'report [--days 7]', example: '/cz report --days 7', description: "this alert channel's failures, top causes, time to resolve, noisiest tasks" },
  {
    name: 'dt',
    usage: 'dt [schema.table]',
    example: '/cz dt ecommerce_dws.user_retention',
    description: 'Dynamic Tables: state, last refresh and lag; with a name, its refresh history',
  },
  {
    name: 'table',
    usage: 'table <schema.table> [--sample]',
    example: '/cz table ecommerce_dwd.orders_detail --sample',
    description: 'a Lakehouse table: columns, size, rows by recent partition; --sample adds 5 rows, redacted',
  },
  { name: 'whoami', usage: 'whoami', example: '/cz whoami', description: 'your roles' },
];

export type ParseResult = { ok: true; command: CzCommand } | { ok: false; error: string; usage?: string; example?: string };

const MAX_SINCE_MS = 90 * 86_400_000;
const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Characters a copy from a web page or a chat brings along unseen: zero-width ones go, a no-break space is a space. */
const INVISIBLE = /[\u200B-\u200D\u2060\uFEFF]/g;

/** Split on white space, keeping "quoted strings" together. */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  const clean = text.replace(INVISIBLE, '').replace(/\u00A0/g, ' ');
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(clean); m; m = re.exec(clean)) out.push(m[1] ?? m[2] ?? m[3]!);
  return out;
}

class UsageError extends Error {}

function parseFlags(tokens: string[], allowed: readonly string[]): { positional: string[]; flags: Record<string, string> } {
  const positional: string[] = [];
  const flags: Record<string, string> = {};
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (!t.startsWith('--')) {
      positional.push(t);
      continue;
    }
    const [rawName, inline] = t.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    const name = rawName.toLowerCase();
    if (!allowed.includes(name)) {
      throw new UsageError(
        allowed.length
          ? `Unknown option --${rawName}. This subcommand takes ${allowed.map((a) => `--${a}`).join(', ')}.`
          : `Unknown option --${rawName}: this subcommand takes no options.`,
      );
    }
    const value = inline ?? tokens[++i];
    if (value === undefined || value.startsWith('--')) throw new UsageError(`Option --${name} needs a value.`);
    if (flags[name] !== undefined) throw new UsageError(`Option --${name} is given twice.`);
    flags[name] = value;
  }
  return { positional, flags };
}

function exactly(positional: string[], names: string[]): string[] {
  if (positional.length < names.length)
    throw new UsageError(
      `Missing ${names
        .slice(positional.length)
        .map((n) => `<${n}>`)
        .join(' ')}.`,
    );
  if (positional.length > names.length)
    throw new UsageError(`Unexpected extra argument${positional.length - names.length > 1 ? 's' : ''}: ${positional.slice(names.length).join(' ')}.`);
  return positional;
}

/** A run id; a task named where a run id goes is told how to find the run (`sub`: the subcommand). */
function runId(text: string, sub: string): number {
  const r = z
    .string()
    .regex(/^\d{1,15}$/)
    .safeParse(text);
  if (r.success) return Number(text);
  const link = "a run id is a number, as in Studio's run link (…/ops/taskInst/<run-id>)";
  if (/^\d+$/.test(text)) throw new UsageError(`"${text.slice(0, 40)}" is too long for a run id (at most 15 digits): ${link}.`);
  if (/^[\p{L}\w./-]+$/u.test(text)) {
    const status = sub === 'rerun' ? ' --status failed' : sub === 'stop' ? ' --status running' : '';
    throw new UsageError(
      `"${text}" is not a run id (${link}). If it is a task, find its run with \`/cz runs ${text}${status}\` (each run's id is its link), then \`/cz ${sub} <run-id>\`.`,
    );
  }
  throw new UsageError(`"${text.slice(0, 60)}" is not a run id: ${link}.`);
}

function date(text: string, what: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) throw new UsageError(`<${what}> "${text}" is not a date: write it as YYYY-MM-DD.`);
  if (!isValidDate(text)) throw new UsageError(`<${what}> ${text} is not a calendar date.`);
  return text;
}

export function parseSince(text: string): number {
  const m = /^(\d{1,4})([mhdw])$/.exec(text.trim().toLowerCase());
  if (!m) throw new UsageError(`--since "${text}" is not a duration: use a number and a unit, e.g. 30m, 12h, 3d or 2w.`);
  const ms = Number(m[1]) * UNIT_MS[m[2]!]!;
  if (ms <= 0) throw new UsageError('--since must be more than zero.');
  if (ms > MAX_SINCE_MS) throw new UsageError('--since can reach back 90 days at most (e.g. --since 90d).');
  return ms;
}

function positiveInt(text: string, what: string, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > max) throw new UsageError(`${what} must be a whole number from 1 to ${max}, got "${text}".`);
  return Number(text);
}

/** A Slack user reference: `<@U123|name>`, `<@U123>` or `U123`. */
function userRef(text: string): string {
  const m = /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$/.exec(text) ?? /^([UW][A-Z0-9]{2,})$/.exec(text);
  if (!m) throw new UsageError(`--user "${text}" is not a Slack user: mention them, e.g. --user @alice.`);
  return m[1]!;
}

export function parseCzCommand(text: string): ParseResult {
  const tokens = tokenize(text.trim());
  const sub = (tokens.shift() ?? 'help').toLowerCase();
  const known = SUBCOMMANDS.find((s) => s.name === sub);
  if (!known) {
    const near = closeMatches(sub, SUBCOMMANDS, (s) => s.name, 3).map((s) => `\`${s.name}\``);
    return {
      ok: false,
      error: `Unknown subcommand \`${sub}\`.${near.length ? ` Did you mean ${near.join(' or ')}?` : ''} Try \`/cz help\` for the list.`,
      example: '/cz help',
    };
  }
  if (known.name === 'cron') {
    const expression = text
      .trim()
      .slice(sub.length)
      .trim()
      .replace(/^["'`]|["'`]$/g, '');
    if (!expression)
      return { ok: false, error: "Missing <expression>: give a 5-field cron (m h dom mon dow) or Studio's 7 fields.", usage: `/cz ${known.usage}`, example: known.example };
    return { ok: true, command: { name: 'cron', expression } };
  }
  if (known.name === 'explain') {
    const query = text.trim().slice(sub.length).trim();
    if (!query) return { ok: false, error: 'Missing <code or text>: give an error code, an entry id or a message.', usage: `/cz ${known.usage}`, example: known.example };
    if (query.length > 20_000)
      return {
        ok: false,
        error: 'That text is too long for /cz explain (20,000 characters at most); use the message shortcut "Diagnose with Studio Ops" on the message instead.',
        usage: `/cz ${known.usage}`,
        example: known.example,
      };
    return { ok: true, command: { name: 'explain', query } };
  }
  try {
    return { ok: true, command: parseKnown(known.name, tokens) };
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    return { ok: false, error: e.message, usage: `/cz ${known.usage}`, example: known.example };
  }
}

function parseKnown(name: CzCommand['name'], tokens: string[]): CzCommand {
  switch (name) {
    case 'help': {
      const { positional } = parseFlags(tokens, []);
      if (positional.length > 1) throw new UsageError('`help` takes at most one subcommand name.');
      return { name, topic: positional[0]?.toLowerCase() };
    }
    case 'whoami':
    case 'setup':
      exactly(parseFlags(tokens, []).positional, []);
      return { name };
    case 'tasks': {
      const { positional, flags } = parseFlags(tokens, ['type', 'name']);
      if (positional.length > 1) throw new UsageError(`Unexpected extra argument: ${positional.slice(1).join(' ')}. Quote names with spaces.`);
      let type: TaskKind | undefined;
      if (flags.type) {
        type = taskKindByKey(flags.type);
        if (!type) throw new UsageError(`--type "${flags.type}" is not a task type. Types: ${TASK_KINDS.map((k) => k.key).join(', ')}.`);
      }
      return { name, folder: positional[0], type, nameLike: flags.name };
    }
    case 'dt':
    case 'table': {
      // --sample is the one option without a value.
      const sample = name === 'table' && tokens.some((t) => t.toLowerCase() === '--sample');
      const positional = parseFlags(
        tokens.filter((t) => !(name === 'table' && t.toLowerCase() === '--sample')),
        [],
      ).positional;
      const [table] = name === 'table' ? exactly(positional, ['schema.table']) : positional.length > 1 ? exactly(positional, ['schema.table']) : positional;
      if (table !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$/.test(table)) {
        throw new UsageError(`"${table}" is not a table name: write schema.table, e.g. ecommerce_dws.sales_daily.`);
      }
      return name === 'table' ? { name, table: table!, sample } : { name, table };
    }
    case 'task':
    case 'deps': {
      const [task] = exactly(parseFlags(tokens, []).positional, ['task']);
      return { name, task: task! };
    }
    case 'promote': {
      const { positional, flags } = parseFlags(tokens, ['from', 'to']);
      const [folder] = exactly(positional, ['folder']);
      if (!flags.from || !flags.to) throw new UsageError('Say both workspaces: `--from <workspace> --to <workspace>`, e.g. `/cz promote ecommerce_dw --from dev --to prod`.');
      for (const [flag, v] of Object.entries(flags))
        if (!/^[a-z][a-z0-9_-]{0,31}$/.test(v)) throw new UsageError(`--${flag} "${v}" is not a workspace name (lower case letters, digits, "_" and "-").`);
      if (folder!.length > 200) throw new UsageError('<folder> is the name of a Studio folder (up to 200 characters).');
      return { name, folder: folder!, from: flags.from, to: flags.to };
    }
    case 'lineage': {
      const [ref] = exactly(parseFlags(tokens, []).positional, ['schema.table or task']);
      return { name, ref: ref! };
    }
    case 'runs': {
      const { positional, flags } = parseFlags(tokens, ['status', 'since']);
      const [task] = exactly(positional, ['task']);
      let status: RunStatusGroup | undefined;
      if (flags.status) {
        const s = flags.status.toLowerCase();
        if (!['failed', 'running', 'success', 'waiting'].includes(s)) throw new UsageError(`--status "${flags.status}" must be one of failed, running, success, waiting.`);
        status = s as RunStatusGroup;
      }
      const sinceText = flags.since ?? '7d';
      return { name, task: task!, status, sinceMs: parseSince(sinceText), sinceText };
    }
    case 'stream': {
      const { positional, flags } = parseFlags(tokens, ['from']);
      const [verb, task, table, ...rest] = positional;
      const action = verb ? STREAM_VERBS[verb.toLowerCase()] : undefined;
      if (!action) throw new UsageError(`Say what to do: ${Object.keys(STREAM_VERBS).join(', ')}.`);
      if (!task) throw new UsageError('Name the stream (a real-time or CDC task).');
      const perTable = action.startsWith('table_');
      if (perTable && !table) throw new UsageError(`\`${verb}\` acts on one table of a CDC pipeline: name it (\`schema.table\`, as \`/cz task ${task}\` lists them).`);
      if ((!perTable && table) || rest.length) throw new UsageError(`Unexpected extra argument: ${[...(perTable ? [] : [table]), ...rest].join(' ')}.`);
      let fromTime: number | undefined;
      if (flags.from !== undefined) {
        if (action !== 'stream_start' && action !== 'stream_restart') throw new UsageError('`--from` is for `start` and `restart`: the time to read the source from.');
        fromTime = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(flags.from) ? `${flags.from}T00:00:00Z` : flags.from);
        if (Number.isNaN(fromTime)) throw new UsageError(`--from "${flags.from}" is not a time: use 2026-11-21T08:00:00Z (or a date, midnight UTC).`);
      }
      return { name, action, task, table, ...(fromTime !== undefined ? { fromTime } : {}) };
    }
    case 'streams': {
      const { positional, flags } = parseFlags(tokens, ['state']);
      exactly(positional, []);
      const state = flags.state?.toLowerCase();
      if (state !== undefined && state !== 'failed' && state !== 'lagging') throw new UsageError(`--state "${flags.state}" must be failed or lagging.`);
      return { name, state };
    }
    case 'run':
    case 'diagnose':
    case 'rerun':
    case 'stop': {
      const [id] = exactly(parseFlags(tokens, []).positional, ['run-id']);
      return { name, runId: runId(id!, name) };
    }
    case 'logs': {
      const { positional, flags } = parseFlags(tokens, ['attempt', 'tail']);
      const [id] = exactly(positional, ['run-id']);
      return {
        name,
        runId: runId(id!, name),
        attempt: flags.attempt === undefined ? undefined : positiveInt(flags.attempt, '--attempt', 100),
        tail: flags.tail === undefined ? 40 : positiveInt(flags.tail, '--tail', 1000),
      };
    }
    case 'execute': {
      // --param may be given several times, so it is collected here rather than by parseFlags.
      const params: Record<string, string> = {};
      const rest: string[] = [];
      for (let i = 0; i < tokens.length; i++) {
        const t = tokens[i]!;
        if (!/^--param(=|$)/i.test(t)) {
          rest.push(t);
          continue;
        }
        const value = t.includes('=') && t.indexOf('=') < 8 ? t.slice(8) : tokens[++i];
        if (value === undefined) throw new UsageError('Option --param needs key=value, e.g. --param bizdate=2026-11-20.');
        const m = /^([A-Za-z_][\w.]{0,63})=(.{0,1000})$/s.exec(value);
        if (!m) throw new UsageError(`--param "${value}" is not key=value (a key is letters, digits, _ and ., starting with a letter or _).`);
        if (params[m[1]!] !== undefined) throw new UsageError(`--param ${m[1]} is given twice.`);
        params[m[1]!] = m[2]!;
      }
      const [task] = exactly(parseFlags(rest, []).positional, ['task']);
      return { name, task: task!, params };
    }
    case 'backfill': {
      const [task, fromText, toText] = exactly(parseFlags(tokens, []).positional, ['task', 'from', 'to']);
      const from = date(fromText!, 'from');
      const to = date(toText!, 'to');
      if (from > to) throw new UsageError(`<from> ${from} is after <to> ${to}: did you mean \`${to} ${from}\`?`);
      return { name, task: task!, from, to };
    }
    case 'types': {
      const { positional } = parseFlags(tokens, []);
      // No source: the task-type explainer (which task kind, which sync to choose).
      return { name, source: positional.join(' ') };
    }
    case 'explain':
      throw new UsageError('explain is parsed from the raw text');
    case 'check': {
      const { positional } = parseFlags(tokens, []);
      if (positional.length > 1) throw new UsageError(`Unexpected extra argument: ${positional.slice(1).join(' ')}.`);
      return { name, folder: positional[0] };
    }
    case 'cron':
      throw new UsageError('cron is parsed from the raw text');
    case 'baseline': {
      if (tokens.length === 0) return { name };
      if (tokens[0]!.toLowerCase() !== 'add')
        throw new UsageError(`\`${tokens[0]}\`: \`/cz baseline\` lists the baselines; \`/cz baseline add <task> by 09:00 [margin 30m]\` adds one.`);
      const [, task, by, at, marginWord, margin, ...rest] = tokens;
      if (!task || by?.toLowerCase() !== 'by' || !at)
        throw new UsageError('Write the task and its committed time: `add <task> by 09:00` (hh:mm, hours up to 47 for past midnight; `:45` for hourly).');
      const committed = parseCommitted(at);
      if ('error' in committed) throw new UsageError(committed.error);
      if (marginWord !== undefined && (marginWord.toLowerCase() !== 'margin' || margin === undefined))
        throw new UsageError(`After the time comes \`margin <minutes>\`, as in \`margin 30m\`; got "${[marginWord, margin].filter(Boolean).join(' ')}".`);
      if (rest.length) throw new UsageError(`Unexpected extra argument${rest.length > 1 ? 's' : ''}: ${rest.join(' ')}.`);
      const m = margin === undefined ? DEFAULT_MARGIN_MIN : parseMargin(margin);
      if (typeof m !== 'number') throw new UsageError(m.error);
      return { name, add: { task, at, marginMin: m } };
    }
    case 'report': {
      const { positional, flags } = parseFlags(tokens, ['days']);
      exactly(positional, []);
      return { name, days: flags.days === undefined ? 7 : positiveInt(flags.days, '--days', 90) };
    }
    case 'audit': {
      const { positional, flags } = parseFlags(tokens, ['user', 'task', 'since']);
      exactly(positional, []);
      const sinceText = flags.since ?? '7d';
      return { name, userId: flags.user ? userRef(flags.user) : undefined, task: flags.task, sinceMs: parseSince(sinceText), sinceText };
    }
  }
}
