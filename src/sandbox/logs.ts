/** Log text the sandbox writes for attempts: a kind-specific header, then success or failure lines. */
import { type TaskKindKey, taskKindByFileType } from '../studio/enums.js';
import type { FailureSpec } from './failures.js';
import type { RunRow, TaskRow } from './store.js';

export function logStamp(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

function kindOf(task: TaskRow): TaskKindKey | undefined {
  return taskKindByFileType(task.file_type)?.key;
}

/** Lines written when an attempt starts. Some carry credentials, as real logs do; the bot must redact them. */
export function attemptHeader(task: TaskRow, run: RunRow, seq: number, start: number, by: string): string[] {
  const s = logStamp(start);
  const lines = [
    `${s} [INFO] Task instance ${run.id} (${task.name}) attempt ${seq} started by ${by}`,
    `${s} [INFO] Business date: ${run.biz_date}, VCluster: ${run.vc_code ?? task.vc_code ?? 'default'}, run type: ${run.instance_type}`,
  ];
  switch (kindOf(task)) {
    case 'DI':
    case 'MULTI_DI':
      lines.push(
        `${s} [INFO] Reader: mysqlreader, connection: jdbc:mysql://etl_reader:Etl#Reader2024@10.12.3.45:3306/shop?useSSL=false&serverTimezone=Asia/Shanghai`,
        `${s} [INFO] Writer: lakehousewriter, target: ods.${task.name.replace(/^\d+_/, '')}, mode: OVERWRITE`,
        `${s} [INFO] DataX job started, channel=4`,
      );
      break;
    case 'REALTIME':
    case 'MULTI_REALTIME':
    case 'FULL_INCREMENTAL_SYNC':
      lines.push(
        `${s} [INFO] Submitting Flink job ${task.name} to Sync VCluster`,
        `${s} [INFO] Source properties: bootstrap.servers=kafka-1:9092, sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="cz_ingest" password="kf-7Hq2!secret";`,
        `${s} [INFO] Checkpointing every 60000 ms`,
      );
      break;
    case 'SHELL':
      lines.push(`${s} [INFO] Executing shell script (${task.content.split('\n').length} lines)`, `${s} [INFO] export GITHUB_TOKEN=ghp_SandboxFakeToken000000000000000000000`);
      break;
    case 'PYTHON':
      lines.push(`${s} [INFO] Executing python3 script with biz_date=${run.biz_date}`);
      break;
    default:
      lines.push(`${s} [INFO] Submitting SQL job, jobId=${run.id}0001, lakehouse url clickzetta://sandbox.api.local/demo_ws?magic_token=mt_SandboxMagic12345&schema=public`);
      lines.push(
        `${s} [INFO] SQL: ${
          task.content
            .split('\n')
            .find((l) => l.trim() && !l.trim().startsWith('--'))
            ?.trim()
            .slice(0, 200) ?? '(empty)'
        }`,
      );
  }
  return lines;
}

/** `rows`: what the run wrote, when the sandbox's Lakehouse knows (its output partition); else a plausible count. */
export function attemptSuccess(task: TaskRow, end: number, rows?: number): string[] {
  const s = logStamp(end);
  return [`${s} [INFO] Rows written: ${rows ?? 1000 + ((task.id * 7919) % 90000)}`, `${s} [INFO] Task instance finished with status SUCCESS`];
}

export function attemptFailure(failure: FailureSpec, task: TaskRow, run: RunRow, end: number): string[] {
  const stamp = logStamp(end);
  return [...failure.log({ taskName: task.name, bizDate: run.biz_date, runId: run.id, stamp }), `${stamp} [INFO] Task instance finished with status FAILED`];
}

export function joinLog(existing: string, lines: string[]): string {
  return existing + lines.map((l) => `${l}\n`).join('');
}
