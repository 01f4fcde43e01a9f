/**
 * `studio-ops <command>`: the bot's core, outside Slack.
 *
 *   studio-ops diagnose [--json] [--type T] [file|-]   diagnose a log (stdin with - or no file)
 *   studio-ops explain <code|entry-id> [--json]         one knowledge entry
 *   studio-ops review [--folder NAME] [--json]          standards review (Studio from STUDIO_*, else the sandbox)
 *   studio-ops cron <expression> [--tz Area/City] [--json]
 *   studio-ops knowledge check [--dir DIR] [--all]      validate knowledge/*.yml (patterns: catastrophic backtracking)
 *   studio-ops audit verify [--db FILE] [--anchors-from FILE|DIR]…   check the audit chain and its anchors
 */
import { LakehouseSql } from './lakehouse/client.js';
import { vclusterSource } from './lakehouse/vclusters.js';
import { existsSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig, workspacesOf } from './config.js';
import { Diagnoser, type Diagnosis, diagnosisJson } from './knowledge/diagnose.js';
import { KNOWLEDGE_DIR, KnowledgeError, type ErrorEntry, loadKnowledge } from './knowledge/load.js';
import { type PatternVerdict, VERDICTS_FILE, readVerdicts, writeVerdicts } from './knowledge/pattern-safety.js';
import { AuditLog } from './store/audit.js';
import { type AnchorSource, anchorsFilePath, loadAuditKeys, readAnchorSource } from './store/audit-key.js';
import { isPostgresUrl, openDatabase } from './store/database.js';
import { taskKindByKey } from './studio/enums.js';
import { analyseCron, nextRuns } from './cron/explain.js';
import { createLogger } from './logger.js';
import { type ReviewReport, reviewWorkspace } from './review/index.js';
import { VClusterDirectory } from './studio/vclusters.js';
import { connectStudio } from './studio-connection.js';
import { loadWizardQuestions } from './wizard/questions.js';

const USAGE = `usage:
  studio-ops diagnose [--json] [--type TASK_TYPE] [file|-]
  studio-ops explain <code|entry-id> [--json]
  studio-ops review [--folder NAME] [--json]
  studio-ops cron <expression> [--tz Area/City] [--json]
  studio-ops knowledge check [--dir DIR] [--all]
  studio-ops audit verify [--db FILE|URL] [--anchors FILE] [--anchors-from FILE|DIR]… [--chain NAME]`;

class UsageError extends Error {}

const out = (s: string) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);

function entryText(e: ErrorEntry): string {
  return [
    `${e.id} — ${e.title} [${e.severity}]`,
    `Cause: ${e.cause}`,
    'Fix:',
    ...e.remediation.map((r, i) => `  ${i + 1}. ${r}`),
    'Check:',
    ...e.verify.map((v) => `  (${v.kind}) ${v.text}`),
  ].join('\n');
}

function diagnosisText(d: Diagnosis): string {
  if (d.findings.length === 0) {
    return [
      'No known cause matched.',
      ...(d.salient.length ? ['Most telling lines:', ...d.salient.map((s) => `  ${s.line}: ${s.text}`)] : []),
      'Next steps:',
      ...d.nextSteps.map((s) => `  - ${s}`),
    ].join('\n');
  }
  return d.findings
    .map(
      (f, i) =>
        `#${i + 1} (confidence ${Math.round(f.confidence * 100)} %)\n${entryText(f.entry)}\nEvidence:\n${f.evidence.map((e) => `  ${e.line === 0 ? 'failMsg' : `line ${e.line}`}: ${e.text}`).join('\n')}`,
    )
    .join('\n\n');
}

function reviewText(r: ReviewReport): string {
  return r.folders
    .map((f) =>
      [
        `${f.folder} (${f.tasks} tasks): ${f.findings.length} findings`,
        ...f.findings.map((x) => `  ${x.priority} ${x.rule} ${x.task ?? '(folder)'}: ${x.evidence}\n      fix: ${x.fix}`),
      ].join('\n'),
    )
    .join('\n');
}

async function readInput(file: string | undefined): Promise<string> {
  if (file && file !== '-') return readFileSync(file, 'utf8');
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function runCli(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'diagnose': {
      const { values, positionals } = parseArgs({ args: rest, options: { json: { type: 'boolean', default: false }, type: { type: 'string' } }, allowPositionals: true });
      if (positionals.length > 1) throw new UsageError('diagnose takes one file (or - for standard input)');
      const kind = values.type ? taskKindByKey(values.type) : undefined;
      if (values.type && !kind) throw new UsageError(`--type ${values.type} is not a task type`);
      const d = new Diagnoser(loadKnowledge().errors).diagnose(await readInput(positionals[0]), { taskType: kind?.key });
      out(values.json ? JSON.stringify(diagnosisJson(d), null, 2) : diagnosisText(d));
      return 0;
    }
    case 'explain': {
      const { values, positionals } = parseArgs({ args: rest, options: { json: { type: 'boolean', default: false } }, allowPositionals: true });
      if (positionals.length !== 1) throw new UsageError('explain takes one code or entry id, e.g. studio-ops explain CZLH-42000');
      const diagnoser = new Diagnoser(loadKnowledge().errors);
      const entry = diagnoser.lookup(positionals[0]!);
      if (!entry) {
        process.stderr.write(`No knowledge entry for "${positionals[0]}". Try: studio-ops diagnose <file> for a whole message.\n`);
        return 1;
      }
      out(
        values.json
          ? JSON.stringify(
              {
                id: entry.id,
                title: entry.title,
                severity: entry.severity,
                cause: entry.cause,
                remediation: entry.remediation,
                verify: entry.verify,
                actions: entry.actions,
                source: entry.source,
              },
              null,
              2,
            )
          : entryText(entry),
      );
      return 0;
    }
    case 'review': {
      const { values } = parseArgs({ args: rest, options: { folder: { type: 'string' }, json: { type: 'boolean', default: false } } });
      const config = loadConfig({ ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent', DATABASE_PATH: process.env.DATABASE_PATH ?? ':memory:' });
      const conn = await connectStudio(config, createLogger(config.logLevel));
      try {
        const report = await reviewWorkspace(conn.client, values.folder, {
          isIntegrationVc: await new VClusterDirectory(vclusterSource(new LakehouseSql(conn.client, config.lakehouse), conn.client), config.integrationVClusters).predicate(),
        });
        out(values.json ? JSON.stringify(report, null, 2) : reviewText(report));
        return report.folders.some((f) => f.findings.some((x) => x.priority === 'P0')) ? 1 : 0;
      } finally {
        await conn.close();
      }
    }
    case 'cron': {
      const { values, positionals } = parseArgs({
        args: rest,
        options: { tz: { type: 'string', default: 'UTC' }, json: { type: 'boolean', default: false } },
        allowPositionals: true,
      });
      if (positionals.length === 0) throw new UsageError('cron needs an expression, e.g. studio-ops cron "30 2 * * *"');
      try {
        new Intl.DateTimeFormat('en', { timeZone: values.tz });
      } catch {
        throw new UsageError(`--tz ${values.tz} is not a time zone (use Area/City, e.g. Asia/Shanghai)`);
      }
      const a = analyseCron(positionals.join(' '));
      const times = a.studio ? nextRuns(a, Date.now(), 5, values.tz!) : [];
      if (values.json) out(JSON.stringify({ ...a, tz: values.tz, next: times.map((t) => new Date(t).toISOString()) }, null, 2));
      else {
        out(a.studio ? `${a.studio}\n${a.description ?? ''}` : a.problems[0]!.message);
        for (const p of a.problems) out(`${p.severity === 'error' ? 'x' : '!'} ${p.message}`);
        if (a.nearestValid) out(`nearest valid: ${a.nearestValid}`);
        for (const t of times) out(`  ${new Date(t).toLocaleString('en-GB', { timeZone: values.tz, hourCycle: 'h23' })} (${values.tz})`);
      }
      return a.problems.some((p) => p.severity === 'error') ? 1 : 0;
    }
    case 'knowledge': {
      if (rest[0] !== 'check') throw new UsageError('did you mean: studio-ops knowledge check');
      const { values } = parseArgs({ args: rest.slice(1), options: { dir: { type: 'string' }, all: { type: 'boolean', default: false } } });
      const dir = values.dir ?? KNOWLEDGE_DIR;
      // Patterns are checked for catastrophic backtracking; the safe verdicts are kept beside the
      // knowledge so that start-up checks only new patterns (commit the file with the knowledge).
      let verdicts: ReadonlyMap<string, PatternVerdict> = new Map();
      const kept = readVerdicts([dir]);
      const saveVerdicts = () => {
        const fresh = [...verdicts.keys()].filter((p) => values.all || !kept.has(p)).length;
        if (writeVerdicts(dir, verdicts))
          out(`pattern verdicts: ${verdicts.size} patterns, ${fresh} checked now; ${join(dir, VERDICTS_FILE)} updated (commit it with the knowledge)`);
      };
      try {
        const k = loadKnowledge(dir, { recheckAll: values.all, onVerdicts: (v) => (verdicts = v) });
        const questions = loadWizardQuestions();
        saveVerdicts();
        out(
          `knowledge OK: ${k.errors.length} error entries (${verdicts.size} patterns, none backtracking catastrophically), ${k.typeMappings.sources.length} type-mapping sources, ${k.taskTypes.task_types.length} task types, ${questions.length} wizard questions`,
        );
        return 0;
      } catch (e) {
        if (!(e instanceof KnowledgeError)) throw e;
        saveVerdicts();
        process.stderr.write(`${e.message}\n`);
        return 1;
      }
    }
    case 'audit': {
      if (rest[0] !== 'verify') throw new UsageError('did you mean: studio-ops audit verify');
      const { values } = parseArgs({
        args: rest.slice(1),
        options: { db: { type: 'string' }, anchors: { type: 'string' }, 'anchors-from': { type: 'string', multiple: true }, chain: { type: 'string' } },
      });
      // --db: a file or a postgres:// URL; unset: DATABASE_URL (the replicas' shared chain), else DATABASE_PATH.
      const config = values.db ? undefined : loadConfig();
      const target = values.db ?? config!.databaseUrl ?? config!.databasePath;
      const shared = isPostgresUrl(target);
      // PostgreSQL: this process's own files (the anchors) are beside DATABASE_PATH.
      const localPath = shared ? (config?.databasePath ?? (process.env.DATABASE_PATH?.trim() || ':memory:')) : target;
      // The keys: AUDIT_KEY / AUDIT_OLD_KEYS, else the key file beside the database (never created here).
      const keyring = (!shared && existsSync(`${localPath}.audit-key`)) || process.env.AUDIT_KEY ? loadAuditKeys(shared ? ':memory:' : localPath) : undefined;
      // The anchors: the file beside the database, the mirror (AUDIT_ANCHORS_MIRROR), and any copy named (a log file, a Slack export).
      const primary = values.anchors ?? anchorsFilePath(localPath);
      const mirror = config?.audit?.mirror ?? (process.env.AUDIT_ANCHORS_MIRROR?.trim() || undefined);
      const sources: AnchorSource[] = [primary, mirror, ...(values['anchors-from'] ?? [])].filter((p): p is string => p !== undefined).map(readAnchorSource);
      const chains = [...new Set(sources.flatMap((x) => x.anchors.map((a) => a.chain)).filter((c): c is string => c !== undefined))];
      const chain = values.chain ?? (config ? workspacesOf(config).default : chains.length === 1 ? chains[0] : undefined);
      if (!chain && chains.length > 1) throw new UsageError(`the anchors found are of several chains (${chains.join(', ')}): say which with --chain`);
      const ofChain = (x: AnchorSource) => x.anchors.filter((a) => !chain || !a.chain || a.chain === chain);
      for (const x of sources) out(x.exists ? `anchors: ${x.path}: ${ofChain(x).length} anchor(s)${chain ? ` of chain ${chain}` : ''}` : `anchors: ${x.path}: missing`);
      const db = openDatabase(target);
      const log = new AuditLog(db);
      const result = log.verify({ keys: keyring?.all ?? new Map(), anchors: sources.flatMap(ofChain), chain });
      const rowsInTable = log.count();
      db.close();
      const found = sources.filter((x) => ofChain(x).length > 0);
      const warnings: string[] = [];
      const first = primary === undefined ? undefined : sources[0];
      if (first && !first.exists && found.length > 0)
        warnings.push(
          `the anchors file ${first.path} is missing, but ${found.map((x) => `${x.path} holds ${ofChain(x).length}`).join(' and ')} anchor(s) of this chain: verified against those (was the file deleted?)`,
        );
      if (found.length === 0 && rowsInTable > 0)
        warnings.push(
          'no anchors of this chain were found: rows removed from the end, or rewritten with the key, cannot be detected (give --anchors-from with a copy: the log, the mirror, a Slack export)',
        );
      if (result.ok && keyring && result.keyId && result.keyId !== keyring.current.id)
        warnings.push(
          `the chain's last rows are signed with key ${result.keyId}, not the current AUDIT_KEY (${keyring.current.id}): a rotation was not written, or the chain was rewritten with an old key`,
        );
      for (const w of warnings) out(`WARNING: ${w}`);
      if (result.ok) {
        out(`audit log intact${warnings.length ? ' (see the warnings above)' : ''}: ${result.rows} rows, hash chain verified against ${result.anchors ?? 0} anchor(s)`);
        return 0;
      }
      out(`audit log BROKEN${result.brokenAt !== undefined ? ` at row ${result.brokenAt}` : ''} (${result.rows} rows read): ${result.reason}`);
      return 1;
    }
    case undefined:
    case 'help':
    case '--help':
      out(USAGE);
      return 0;
    default:
      throw new UsageError(`unknown command: ${command}`);
  }
}

try {
  process.exitCode = await runCli(process.argv.slice(2));
} catch (e) {
  if (e instanceof UsageError || (e as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
    process.exitCode = 2;
  } else throw e;
}
