/**
 * Step 0: read a pasted requirements document for the scenario, consumers, freshness, data
 * sources and project name, so the wizard skips what it already answers.
 */
import type { Answers } from './questions.js';

interface Rule {
  question: string;
  answer: string;
  re: RegExp;
}

// Earlier rules of a question win over later ones.
const RULES: Rule[] = [
  { question: 'scenario', answer: 'monitoring', re: /real[- ]?time (?:monitoring|dashboard)|ops dashboard|实时监控|大屏/i },
  { question: 'scenario', answer: 'science', re: /feature engineering|model training|machine learning|\bML\b|特征/i },
  { question: 'scenario', answer: 'sharing', re: /data sharing|external (?:output|partners?)|\bAPI\b for|数据共享|对外/i },
  { question: 'scenario', answer: 'bi', re: /\bBI\b|dashboards?|reports?|报表|看板/i },
  { question: 'consumers', answer: 'bi_tools', re: /superset|tableau|power ?bi|quick ?bi|BI tools?/i },
  { question: 'consumers', answer: 'scientists', re: /data scientists?|zettapark|notebooks?/i },
  { question: 'consumers', answer: 'systems', re: /downstream systems?|\bAPIs?\b|services? consume/i },
  { question: 'consumers', answer: 'analysts', re: /analysts?|ad[- ]hoc SQL|分析师/i },
  { question: 'freshness', answer: 'second', re: /second[- ]level|seconds? latency|\bCDC\b|秒级/i },
  { question: 'freshness', answer: 'minute', re: /minute[- ]level|within \d+ minutes|near real[- ]time|分钟级/i },
  { question: 'freshness', answer: 'hourly', re: /\bhourly\b|every hour|每小时|小时级/i },
  { question: 'freshness', answer: 't1', re: /\bT\s*\+\s*1\b|\bdaily\b|next day|every day|每天|每日/i },
  { question: 'source', answer: 'kafka', re: /\bkafka\b/i },
  { question: 'source', answer: 'object_storage', re: /\b(?:OSS|S3|COS)\b|object storage|对象存储/i },
  { question: 'source', answer: 'database', re: /\b(?:mysql|postgres(?:ql)?|sql ?server|oracle|aurora|polardb)\b|数据库/i },
  { question: 'db_engine', answer: 'postgresql', re: /\bpostgres(?:ql)?\b|aurora pg/i },
  { question: 'db_engine', answer: 'sqlserver', re: /\bsql ?server\b|\bmssql\b/i },
  { question: 'db_engine', answer: 'mysql', re: /\bmysql\b|polardb mysql|aurora mysql/i },
];

export function extractFromDocument(text: string): Answers {
  const out: Answers = {};
  for (const r of RULES) if (out[r.question] === undefined && r.re.test(text)) out[r.question] = r.answer;
  if (out.source !== 'database') delete out.db_engine;
  if (out.source === 'database' && out.freshness) out.db_freshness = out.freshness === 'second' ? 'realtime' : 'batch';
  const domain =
    /\b([a-z][a-z0-9_]{1,39})_dw\b/.exec(text)?.[1] ?? /(?:project|domain|business domain)\s*(?:name)?\s*[:=：]\s*([a-z][a-z0-9_]{1,39})\b/i.exec(text)?.[1]?.toLowerCase();
  if (domain) out.domain = domain;
  return out;
}
