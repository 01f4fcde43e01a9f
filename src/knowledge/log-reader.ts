/**
 * Reads a run's log for its decisive failure: the line(s) that ended the run, not every line that
 * looks alarming. It finds the last error that ends the run — an exception with the deepest of its
 * `Caused by` chain, a Python traceback's last line, a shell exit status, the ERROR lines at the
 * end — and passes over what does not end a run: INFO/NOTICE/WARN lines, a retry followed by
 * success, a suspended resource that resumed, `… does not exist, skipping`, the run's own SUCCEEDED
 * state. It names the component that failed and the exception class or error code.
 *
 * One pass of a literal alternation over the text finds the candidate lines (as the diagnosis' scan
 * does); only those lines are looked at again.
 */
import type { TaskKindKey } from '../studio/enums.js';

export type Component = 'sql_engine' | 'sync_cdc' | 'kafka' | 'object_storage' | 'script' | 'python' | 'dbt' | 'scheduler' | 'unknown';

export const COMPONENT_LABEL: Record<Component, string> = {
  sql_engine: 'SQL engine',
  sync_cdc: 'sync / CDC',
  kafka: 'Kafka',
  object_storage: 'object storage',
  script: 'shell script',
  python: 'Python',
  dbt: 'dbt',
  scheduler: 'scheduler',
  unknown: 'unknown component',
};

export interface LogLine {
  /** 1-based line in the log; 0: the run's failure message. */
  line: number;
  text: string;
}

export interface DecisiveFailure {
  /** The decisive line(s), in log order: the specific error first met, then what wrapped it. */
  lines: LogLine[];
  component: Component;
  /** `java.sql.SQLSyntaxErrorException`, `KeyError`, … when one is named. */
  errorClass?: string;
  /** `CZLH-42000`, `ORA-00942`, `SQLSTATE 42P01`, `exit status 127`, … when one is named. */
  errorCode?: string;
  /** The other error lines of the block that ended the run (the decisive lines' company, for classifying). */
  context: LogLine[];
}

export interface ReadOptions {
  taskType?: TaskKindKey;
  /** The run's status label (SUCCESS, FAILED, …) when Studio said it. */
  runStatus?: string;
  failMsg?: string;
}

/** Words of a problem: a line without them is no error line, whatever its level. */
const PROBLEM =
  /\b(?:ERROR|FATAL|SEVERE|PANIC|CRITICAL|FAILED|FAILURE)\b|Exception\b|Error\b|\berrors?\b|_(?:EXCEPTION|ERROR|FAILED|NOT_SUPPORTED|NOT_FOUND|DENIED|INVALID|OVERDUE|OVER_QUOTA)\b|Caused by|Traceback|\bexit (?:code|status):? ?[1-9]|\bexited with|\breturn code [1-9N]|returned non-zero|non-zero (?:exit|status)|\b[Ff]ail(?:ed|s|ure)?\b|[Dd]enied|not found|[Nn]o such|does not exist|doesn't exist|[Kk]illed|SIG(?:KILL|TERM|SEGV)|refused|timed out|[Ii]nvalid|[Uu]nauthorized|[Ff]orbidden|[Ee]xceed(?:ed|s)?\b|[Ii]ncorrect|[Aa]mbiguous|[Vv]iolat|too long|[Cc]annot|[Cc]ould not|[Uu]nable to|[Uu]nknown|not supported|[Uu]nsupported|[Ee]xpired|No space|[Oo]ut of memory|\bOOM|[Dd]uplicate|失败|错误|出错|异常|不存在|拒绝|超时|不足|无效|超过|超出|未找到|找不到|无法|不支持|过期|脏数据|冲突|溢出/;
/**
 * More words of a problem, kept apart so that each expression stays small enough to be proven linear:
 * an exit code as runners spell it (`exitStatusCode:142`, `exit value(1)`), Windows' unknown command,
 * a command line's usage error, a reset connection, a JSON error record, 报错.
 */
const PROBLEM_MORE =
  /\b[Ee]xit[_ ]?(?:[Ss]tatus[_ ]?)?(?:[Cc]ode|[Vv]alue|[Ss]tatus)\s*[:=(]\s*[1-9]|recognized as an internal|不是内部或外部命令|\b[Mm]ust specify\b|[Cc]onnection reset|"exception"\s*:|报错/;
const isProblem = (t: string) => PROBLEM.test(t) || PROBLEM_MORE.test(t);
/** Words that make a line a candidate: a problem's, and a success's, a retry's, a resumption's. */
const CANDIDATE = new RegExp(`${PROBLEM.source}|SUCCE|[Ss]ucce|Done\\. PASS|[Rr]esum|[Rr]ecover|[Rr]econnect|[Rr]etr|[Ss]uspend|SUSPEND|成功|重试|恢复|暂停`, 'g');
/** More candidate words (a second, small pass): PROBLEM_MORE's, a skip ahead, a statement's "Query OK", a step's own ok/done. */
const CANDIDATE_MORE = new RegExp(`${PROBLEM_MORE.source}|[Ss]kip|Query OK|row\\(?s?\\)? affected|\\b(?:ok|OK|done|DONE)[.!]?(?=\\r?\\n|$)`, 'g');

/** An informational line: its level (within its first 60 characters) is INFO, DEBUG, TRACE, NOTICE or WARN — quiet unless it carries a strong error word (logs wrapped by a runner, Airflow's `INFO - … Database Error`). */
const QUIET_LEVEL =
  /^.{0,60}?(?:\[(?:[Ii][Nn][Ff][Oo]|[Dd][Ee][Bb][Uu][Gg]|[Tt][Rr][Aa][Cc][Ee]|[Nn][Oo][Tt][Ii][Cc][Ee]|[Nn][Oo][Tt][Ee]|[Ww][Aa][Rr][Nn](?:[Ii][Nn][Gg])?)\]|\b(?:INFO|DEBUG|TRACE|NOTICE|WARN|WARNING|LOG|HINT)\b[:\s])|^\s*(?:Warning|Notice|Note|Info):\s/;
/** A count of failures that is zero (`读写失败总数 : 0`, `ERROR=0`, `Error 0 records`): no problem word at all. */
const ZERO_COUNT =
  /(?:\b(?:fail(?:ed|ures?)?|errors?)\b|失败|错误)(?:(?!fail|error|失败|错误)[^\n:：=\d]){0,30}[:：=]\s*0(?![\d.])|\berrors?\s+0\b(?![\d.])|\b0 (?:errors?|failures?|failed)\b/gi;
/** A line that says an error is passed over: `… does not exist, skipping`, `IF EXISTS`, `ignored`. */
const STRONG =
  /\b(?:ERROR|FATAL|FAILED)\b|\b[A-Z]\w*(?:Exception|Error)\b|Error in\b|Traceback|\breturn code [1-9N]|\bexit(?:ed)? (?:with )?(?:code|status):? ?[1-9]|SIGKILL|_EXCEPTION\b|失败|错误|出错|异常|不存在/;
const PASSED_OVER = /(?:, skipping|\bskipped\b|\bignor(?:ed|ing)\b|已忽略|跳过)/i;
/** A tool's own telemetry failing (`Error sending message, disabling tracking`): never the run's failure. */
const TELEMETRY = /disabling tracking|\btelemetry\b|\busage (?:stats|statistics|tracking|data)\b|anonymous usage/i;
/** A transient failure that is tried again. */
const RETRY = /\b(?:retry|retrying|retried|will retry|attempt \d+ of \d+|reconnect(?:ing)?|back(?:ing)? off)\b|重试|重连/i;
/** A resource that was down and came back. */
const RESUMED = /\b(?:resumed|recovered|reconnected|back online|is running again)\b|已恢复|已重连|恢复运行/i;
/** The whole run's own success in words (`DataX jobId [0] completed successfully`): the job, not one of its steps or tasks. */
const RUN_SUCCESS_WORDS =
  /\b(?:job|run|pipeline|dag|workflow|application)(?:id)?\b(?:(?!\b(?:job|run|pipeline|dag|workflow|application)(?:id)?\b)[^.!\n]){0,60} (?:completed|finished|ended|succeeded) successfully\b/i;
/** A table's header row (`table name   errors   read   imported`): column names, not a message. */
const TABLE_HEADER = /^\s*[A-Za-z]\w*(?: [A-Za-z]\w*)?(?: {2,}[A-Za-z]\w*(?: [A-Za-z]\w*)?){3,}\s*$/;
/** The run itself ended well (its final status line). */
const RUN_SUCCESS =
  /\b(?:SUCCEEDED|finished with status:? SUCCESS|[Ss]tatus[:=] ?SUCCESS|Marking task as SUCCESS|Done\. PASS=\d+ WARN=\d+ ERROR=0|Completed successfully|Job finished successfully)\b|运行成功|执行成功|同步成功|任务成功|任务执行成功/;
/**
 * A step ended well (after a retry, say): its own "succeeded", a statement's "Query OK" or "n rows
 * affected", a line that ends in "ok" or "done"; not a bare "successfully" ("the last packet sent
 * successfully …" is an error's wording).
 */
const STEP_SUCCESS =
  /\b(?:succeeded|success on attempt|OK after|(?:completed|finished|connected|reconnected|downloaded|uploaded|written|loaded|committed) successfully)\b|\bQuery OK\b|\b\d+ row\(?s?\)? affected\b|\b(?:ok|done)[.!]?\s*$|成功/i;
/** An object that already exists (an idempotent CREATE), and the run skipping ahead after it. */
const ALREADY_EXISTS = /already exists|已存在/i;
const SKIP_AHEAD = /^\s*(?:Skip|Skipping)\b|跳过/;
/** A traceback frame that was starting a program (a FileNotFoundError from it: the command is missing). */
const SPAWN_FRAME = /^\s*File "[^"]{1,300}", line \d+, in (?:_execute_child|_fork_exec|_?spawnv?p?e?|execvpe?)\b/;
const MISSING_FILE = /FileNotFoundError|\[(?:WinError|Errno) 2\]/;
/** A run state that says the run failed: its last meaningful line is decisive even without an error word. */
const FAILED_STATE = /^(?:FAILED|FAILURE|FAIL|ERROR|UPSTREAM_FAILED|KILLED|TIMEOUT)$/;
/** A failure that may pass by itself, and so does not end a run that went on. */
const TRANSIENT = /\b(?:suspend(?:ed|ing)?|timed out|timeout|refused|reset|unavailable|temporarily|throttl\w*|try again|retry|retrying|busy)\b|暂停|超时|重试|繁忙/i;
/** A line that only says a failure happened ("Task failed", "exit status 1") — the line before it usually says why. */
const WRAPPER =
  /^(?:.{0,80}?\b(?:task|job|run|stage|step|process|command|script|sync|pipeline|query|statement|instance|attempt|dag|model|node|worker|container|application)\b.{0,40}?\b(?:failed|failure|error(?:ed)?|FAILED)\b[\s.!:]*(?:with status \w+[\s.]*|\(\w+\)[\s.]*)?$)|\bexit(?:ed with)? (?:code|status)\b|\b[Ee]xit[_ ]?(?:[Ss]tatus[_ ]?)?(?:[Cc]ode|[Vv]alue)\s*[:=(]\s*[1-9]|returned non-zero exit status|(?:任务|作业|实例|运行|执行)(?:失败|异常)[。.!！]?\s*$/i;
/**
 * A stack frame: Java's and Python's; a JavaScript frame naming its file (`at fn (/app/x.js:3:9)`);
 * a native backtrace's numbered frame with its address (`1. /usr/bin/server(DB::Exception::…+0x25)
 * [0x3bb81d5]`, `0. DB::Exception::Exception(…) @ 0x0c4fd597 in /usr/bin/clickhouse`, gdb's
 * `#3 0x00007f… in fn`). Frames name code, not what went wrong, even when the code is an exception's.
 */
const FRAME =
  /^\s+(?:at [\w$.<>]+\(|\.\.\. \d+ more|File ")|^\s+at (?:async )?(?:[^()]{1,200} \()?(?:file:\/\/|node:|\/|[A-Za-z]:\\)[^()]{1,300}:\d+:\d+\)?\s*$|^\s*(?:#\d{1,3}\s+0x[0-9a-f]{4,} in \S|\d{1,3}[.:]\s+\S.{0,600}(?:\[0x[0-9a-f]{4,}\]|@ 0x[0-9a-f]{4,}|\+0x[0-9a-f]{1,8}\))(?:\s+in\s+\S+)?\s*$)/;
const CAUSED_BY = /^\s*Caused by:/;
/** A class ending in Exception or Error, qualified or not (the match starts after a dot or word boundary: linear). */
const ERROR_CLASS = /(?<![\w.$])(?:[a-z_]\w*\.)*[A-Z]\w*(?:Exception|Error)\b/;
/** A Python exception line at the end of a traceback: `KeyError: 'x'`, `botocore.exceptions.ClientError: …`. */
const PY_LAST = /^(?:[a-z_][\w]*\.)*[A-Z]\w*(?:Error|Exception|Exit|Interrupt|Warning)\b(?::|$)/;
/** Error codes of the systems our users meet. */
const ERROR_CODE =
  /\bCZLH-\d{5}\b|\bORA-\d{5}\b|\bSQLSTATE[\s[:=]*[0-9A-Z]{5}\b|\bERROR \d{4} \([0-9A-Z]{5}\)|\b(?:Msg|SQL Error \[?|error code:?|errno:?|Error Code:?|ErrorCode=|code[=:])\s?-?\d{2,6}\b|\bexit (?:code|status):? ?\d{1,3}\b|\breturned non-zero exit status \d{1,3}|\bHTTP(?:\/\d(?:\.\d)?)? ?[45]\d\d\b|\b[45]\d\d (?:Unauthorized|Forbidden|Not Found)\b|\b[A-Z][A-Z0-9]+(?:_[A-Z0-9]+){2,}\b/;

/** The patterns of the reader (checked for catastrophic backtracking by the tests). */
export const LOG_READER_PATTERNS: readonly RegExp[] = [
  CANDIDATE,
  CANDIDATE_MORE,
  PROBLEM_MORE,
  QUIET_LEVEL,
  ZERO_COUNT,
  PASSED_OVER,
  TELEMETRY,
  STRONG,
  PROBLEM,
  RETRY,
  RESUMED,
  RUN_SUCCESS,
  RUN_SUCCESS_WORDS,
  TABLE_HEADER,
  STEP_SUCCESS,
  ALREADY_EXISTS,
  SKIP_AHEAD,
  SPAWN_FRAME,
  MISSING_FILE,
  TRANSIENT,
  WRAPPER,
  FRAME,
  CAUSED_BY,
  ERROR_CLASS,
  PY_LAST,
  ERROR_CODE,
];

interface Candidate extends LogLine {
  quiet: boolean;
  retry: boolean;
  resumed: boolean;
  success: boolean;
  runSuccess: boolean;
  wrapper: boolean;
  specific: boolean;
}

/** The failing component, from the decisive lines first and the task's type after. */
const COMPONENT_CUES: [Component, RegExp][] = [
  ['dbt', /\bdbt\b|Compilation Error in|Database Error in|Runtime Error in|dbt_project\.yml|profiles\.yml|packages\.yml|\bdbt deps\b/i],
  ['kafka', /\bkafka\b|\bconsumer\b.{0,40}\b(?:poll|commit|offset|group)|\bbroker\b|\btopic\b|CommitFailedException|max\.poll/i],
  [
    'sync_cdc',
    /\b(?:debezium|binlog|cdc|flink|datax|seatunnel|canal|logminer|replication slot|publication|wal_level|LSN|sqlserver agent|capture instance|dirty (?:data|record)s?|data ?sync|DataSync|writer|reader)\b|同步|脏数据|实时/i,
  ],
  ['object_storage', /\b(?:s3|s3a|oss|cos|gcs|bucket|NoSuchKey|NoSuchBucket|AccessDenied|InvalidAccessKeyId|SignatureDoesNotMatch|ExpiredToken|endpoint)\b|对象存储|存储桶/i],
  ['python', /^Traceback \(most recent call last\)|File "[^"]{1,300}\.py"|\bpython\d?(?:\.\d+)?\b|\bpip\b|ModuleNotFoundError|UnicodeDecodeError/],
  ['script', /\b(?:bash|sh|zsh|curl|wget|command not found|\/bin\/\w+|\.sh\b|\$'\\r'|bad interpreter|exit (?:code|status))\b/i],
  ['scheduler', /\b(?:airflow|DAG|upstream|dependency|dependencies|scheduler|cron|backfill|SCHEDULE_\w+)\b|调度|上游|依赖/],
  [
    'sql_engine',
    /\b(?:SQL|CZLH-\d+|SQLSTATE|ORA-\d+|syntax|table|relation|column|schema|database|partition|query|select|insert|psql|mysql|postgres|hive|spark|doris|starrocks|maxcompute|odps|vcluster|warehouse)\b|表|视图|字段|语法|分区/i,
  ],
];

const TASK_COMPONENT: Partial<Record<TaskKindKey, Component>> = { SQL: 'sql_engine', PYTHON: 'python', SHELL: 'script', DI: 'sync_cdc', MULTI_DI: 'sync_cdc' };

function taskComponent(taskType: TaskKindKey | undefined): Component {
  return (taskType && TASK_COMPONENT[taskType]) ?? (taskType && /CDC|REALTIME|SYNC/.test(taskType) ? 'sync_cdc' : 'unknown');
}

/** A sync names tables, columns and databases all the time: those words alone do not make its failure the SQL engine's. */
function withTask(component: Component, taskType: TaskKindKey | undefined): Component {
  return component === 'sql_engine' && taskComponent(taskType) === 'sync_cdc' ? 'sync_cdc' : component;
}

function componentOf(lines: readonly LogLine[], taskType: TaskKindKey | undefined): Component {
  const text = lines.map((l) => l.text).join('\n');
  for (const [component, cue] of COMPONENT_CUES) if (cue.test(text)) return withTask(component, taskType);
  return taskComponent(taskType);
}

function errorClassOf(lines: readonly LogLine[]): string | undefined {
  // The deepest cause names the class that matters: read from the last line up.
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = ERROR_CLASS.exec(lines[i]!.text);
    if (m) return m[0];
  }
  return undefined;
}

function errorCodeOf(lines: readonly LogLine[]): string | undefined {
  for (const l of lines) {
    const m = ERROR_CODE.exec(l.text);
    if (m) return m[0];
  }
  return undefined;
}

const MAX_LINE = 2000;

function lineAt(text: string, start: number, end: number): string {
  return text.slice(start, Math.min(end, start + MAX_LINE));
}

/** Candidate lines in log order, each once. */
function candidates(text: string): { list: Candidate[]; lineStarts: (line: number) => { start: number; end: number } } {
  // Two passes (each expression small enough to be proven linear), merged by line.
  const byLine = new Map<number, Candidate>();
  for (const re of [CANDIDATE, CANDIDATE_MORE]) {
    re.lastIndex = 0;
    let line = 1;
    let lineStart = 0;
    let lineEnd = text.indexOf('\n');
    let lastLine = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      while (lineEnd !== -1 && lineEnd < m.index) {
        lineStart = lineEnd + 1;
        lineEnd = text.indexOf('\n', lineStart);
        line++;
      }
      if (line !== lastLine) {
        lastLine = line;
        if (!byLine.has(line)) byLine.set(line, classify(line, lineAt(text, lineStart, lineEnd === -1 ? text.length : lineEnd).replace(/\r$/, '')));
      }
      // Skip to the next line: one candidate per line.
      if (lineEnd === -1) break;
      re.lastIndex = lineEnd + 1;
    }
  }
  const list = [...byLine.values()].sort((a, b) => a.line - b.line);
  // Lines are found again by number only for a traceback's end and a stack's header (few lookups).
  const lineStarts = (n: number) => {
    let start = 0;
    for (let i = 1; i < n && start !== -1; i++) {
      const nl = text.indexOf('\n', start);
      start = nl === -1 ? -1 : nl + 1;
    }
    if (start === -1) return { start: text.length, end: text.length };
    const nl = text.indexOf('\n', start);
    return { start, end: nl === -1 ? text.length : nl };
  };
  return { list, lineStarts };
}

function classify(line: number, text: string): Candidate {
  // A count of zero failures names no problem ("读写失败总数 : 0").
  const bare = text.replace(ZERO_COUNT, ' ');
  const quiet = (QUIET_LEVEL.test(bare) && !STRONG.test(bare)) || PASSED_OVER.test(bare) || TELEMETRY.test(bare) || TABLE_HEADER.test(text) || !isProblem(bare);
  const undone = /\bnot successful|\bunsuccessful|\bno success|未成功|不成功/i.test(text);
  const runSuccess = !undone && (RUN_SUCCESS.test(text) || RUN_SUCCESS_WORDS.test(text));
  const success = !undone && (runSuccess || STEP_SUCCESS.test(text));
  const wrapper = WRAPPER.test(text);
  const specific = !wrapper && (ERROR_CLASS.test(text) || ERROR_CODE.test(text) || CAUSED_BY.test(text) || PY_LAST.test(text.trim()) || /[:：]\s*\S/.test(text));
  return { line, text, quiet, retry: RETRY.test(text), resumed: RESUMED.test(text), success, runSuccess, wrapper, specific };
}

/** An error line: a candidate that is not quiet, not a success and not a frame. */
function isError(c: Candidate): boolean {
  return !c.quiet && !c.success && !c.resumed && !FRAME.test(c.text);
}

/**
 * The decisive failure of a log, or undefined when the run ended well (its status, or a success
 * after its last error) or no line ends it.
 */
export function readLog(text: string, options: ReadOptions = {}): DecisiveFailure | undefined {
  return readLogDetail(text, options).failure;
}

export interface LogReading {
  failure?: DecisiveFailure;
  /** Error lines that did not end the run: passed over, retried or resumed after, or followed by the run's success. */
  excused: ReadonlySet<number>;
}

export function readLogDetail(text: string, options: ReadOptions = {}): LogReading {
  const status = options.runStatus?.toUpperCase();
  const excused = new Set<number>();
  const { list, lineStarts } = candidates(text);
  for (const c of list) if (PASSED_OVER.test(c.text)) excused.add(c.line);
  /** A transient failure (a retry, a timeout, a suspended resource), whatever its level. */
  const transient = (c: Candidate) => c.retry || TRANSIENT.test(c.text);
  const excuseAllBefore = (i: number) => {
    for (let j = 0; j < i; j++) if (isError(list[j]!) || transient(list[j]!)) excused.add(list[j]!.line);
  };
  if (status === 'SUCCESS' || status === 'SUCCEEDED') {
    excuseAllBefore(list.length);
    return { excused };
  }
  const fail: LogLine[] = options.failMsg ? [{ line: 0, text: options.failMsg.slice(0, MAX_LINE) }] : [];

  // From the end: the last error line that is not undone by a later success or resumption.
  let lastIndex = -1;
  let recovered = false;
  let skippedAhead = false;
  for (let i = list.length - 1; i >= 0; i--) {
    const c = list[i]!;
    if (SKIP_AHEAD.test(c.text) && !isError(c)) skippedAhead = true;
    // An object that already exists, and the run skipped ahead past it: an idempotent re-run.
    if (skippedAhead && ALREADY_EXISTS.test(c.text)) {
      excused.add(c.line);
      continue;
    }
    // The run's own final state says it ended well (and Studio did not say otherwise).
    if (c.runSuccess && !status && fail.length === 0) {
      excuseAllBefore(i);
      return { excused };
    }
    if (c.success || c.resumed) {
      recovered = true;
      continue;
    }
    // A retried or transient failure followed by a success or a resumption did not end the run.
    if (recovered && transient(c)) {
      excused.add(c.line);
      continue;
    }
    if (!isError(c)) continue;
    lastIndex = i;
    break;
  }
  if (lastIndex === -1) {
    // The run failed (Studio says so) and no line reads as an error: its last meaningful line is decisive.
    const last = status && FAILED_STATE.test(status) && fail.length === 0 ? lastMeaningful(text, list) : undefined;
    if (last)
      return {
        excused,
        failure: { lines: [last], component: componentOf([last], options.taskType), errorClass: errorClassOf([last]), errorCode: errorCodeOf([last]), context: [] },
      };
    if (fail.length === 0) return { excused };
    return { excused, failure: { lines: fail, component: componentOf(fail, options.taskType), errorClass: errorClassOf(fail), errorCode: errorCodeOf(fail), context: [] } };
  }

  // The error block that ends the run: the errors before the last one, back to a gap of quiet lines.
  const block: Candidate[] = [list[lastIndex]!];
  for (let i = lastIndex - 1; i >= 0 && block.length < 40; i--) {
    const c = list[i]!;
    if (block[0]!.line - c.line > 60) break;
    if (c.success || c.resumed) break;
    if (isError(c) || FRAME.test(c.text)) block.unshift(c);
  }
  const errors = block.filter((c) => !FRAME.test(c.text));
  const decisive: LogLine[] = [];
  // A Python traceback: its last line (the first unindented line after the frames).
  const tb = errors.findLast((c) => PY_LAST.test(c.text.trim()) && !c.text.startsWith(' '));
  // A Java exception: the deepest Caused by, and the exception header it belongs to.
  const cause = errors.findLast((c) => CAUSED_BY.test(c.text));
  const header = errors.find((c) => ERROR_CLASS.test(c.text) && !CAUSED_BY.test(c.text));
  const specific = errors.findLast((c) => c.specific);
  const last = list[lastIndex]!;
  if (cause) {
    if (header && header.line < cause.line) decisive.push(header);
    decisive.push(cause);
  } else if (tb) decisive.push(tb);
  else if (specific) decisive.push(specific);
  // The line that ended the run, when it is not one already shown (a wrapper such as "exit status 1").
  if (!decisive.some((d) => d.line === last.line)) decisive.push(last);
  // A wrapper alone: the line just before it often says why (a shell's "command not found").
  if (decisive.length === 1 && last.wrapper && last.line > 1) {
    const prev = lineStarts(last.line - 1);
    const t = text.slice(prev.start, Math.min(prev.end, prev.start + MAX_LINE)).replace(/\r$/, '');
    if (t.trim() && !QUIET_LEVEL.test(t) && !FRAME.test(t)) decisive.unshift({ line: last.line - 1, text: t });
  }
  const lines = [...fail, ...decisive.slice(-3).map((c) => ({ line: c.line, text: c.text }))];
  // A FileNotFoundError raised while starting a program: its innermost frame says so (the command is missing).
  const spawn = tb && MISSING_FILE.test(tb.text) ? spawnFrame(text, tb.line, lineStarts) : undefined;
  const component = componentOf(lines, undefined);
  return {
    excused,
    failure: {
      lines,
      component: component === 'unknown' ? componentOf(block, options.taskType) : withTask(component, options.taskType),
      errorClass: errorClassOf(lines),
      errorCode: errorCodeOf(lines),
      context: [
        ...errors
          .filter((c) => !lines.some((l) => l.line === c.line))
          .slice(-8)
          .map((c) => ({ line: c.line, text: c.text })),
        ...(spawn ? [spawn] : []),
      ],
    },
  };
}

/** The traceback frame just above a Python exception line (within 4 lines) when it was starting a program. */
function spawnFrame(text: string, line: number, lineStarts: (n: number) => { start: number; end: number }): LogLine | undefined {
  for (let n = line - 1; n >= Math.max(1, line - 4); n--) {
    const at = lineStarts(n);
    const t = text.slice(at.start, Math.min(at.end, at.start + MAX_LINE));
    if (SPAWN_FRAME.test(t)) return { line: n, text: t };
  }
  return undefined;
}

/**
 * The last meaningful line of a failed run without an error line: the last line with a problem's
 * word (a WARN "sync failed"), else the last line with words that is no frame, comment or rule.
 */
function lastMeaningful(text: string, list: readonly Candidate[]): LogLine | undefined {
  const worded = list.findLast((c) => isProblem(c.text.replace(ZERO_COUNT, ' ')) && !c.success && !FRAME.test(c.text));
  if (worded) return { line: worded.line, text: worded.text };
  const all = text.split('\n');
  for (let i = all.length - 1; i >= 0; i--) {
    const t = all[i]!.replace(/\r$/, '');
    if (!/[\p{L}]{2}/u.test(t) || FRAME.test(t) || /^\s*(?:#|\/\/|--|[-=*_]{3})/.test(t)) continue;
    return { line: i + 1, text: t.slice(0, MAX_LINE) };
  }
  return undefined;
}
