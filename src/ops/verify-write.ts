/**
 * Did an audited Studio write take effect? Read Studio's state for each kind of write the wizard
 * (and its undo) makes. Used when the answer to a write was lost (timeout, dropped connection, a
 * process killed mid-write). Throws when the kind cannot be verified: the outcome then stays unknown.
 */
import { createHash } from 'node:crypto';
import type { StudioClient } from '../studio/client.js';
import { StudioError } from '../studio/errors.js';

export interface WriteVerification {
  applied: boolean;
  detail: string;
  link?: string;
  jobId?: number;
  runId?: number;
}

/** A short fingerprint of task content, kept in the audit row of a content save so it can be verified. */
export function contentFingerprint(content: string): string {
  return createHash('sha256').update(content).digest('hex').slice(0, 16);
}

const idOf = (target: string, prefix: string): number | undefined =>
  target.startsWith(prefix) && /^\d+$/.test(target.slice(prefix.length)) ? Number(target.slice(prefix.length)) : undefined;

async function taskOrNothing(studio: StudioClient, id: number) {
  return studio.getTask(id).catch((e: unknown) => {
    if (e instanceof StudioError && e.kind === 'business') return undefined;
    throw e;
  });
}

export async function verifyAuditedWrite(
  studio: StudioClient,
  action: string,
  target: string,
  taskName: string | undefined,
  params: Record<string, unknown>,
): Promise<WriteVerification> {
  const taskId = idOf(target, 'task:');
  switch (action) {
    case 'create_folder': {
      const name = String(params.name ?? target.slice('folder:'.length));
      const f = (await studio.listAllFolders({ name })).find((x) => x.name === name && (x.parentId ?? 0) === 0);
      return { applied: f !== undefined, detail: f ? `Folder ${name} exists (id ${f.id}).` : `There is no folder ${name}.` };
    }
    case 'create_task': {
      const folderName = target.slice('folder:'.length);
      const f = (await studio.listAllFolders({ name: folderName })).find((x) => x.name === folderName);
      const t = f ? (await studio.listAllTasks({ folderId: f.id })).find((x) => x.folderId === f.id && x.name === taskName) : undefined;
      return {
        applied: t !== undefined,
        detail: t ? `Task ${taskName} exists in ${folderName} (id ${t.id}).` : `There is no task ${taskName} in ${folderName}.`,
        link: t ? studio.taskLink(t.id) : undefined,
      };
    }
    case 'save_content': {
      const t = taskId === undefined ? undefined : await taskOrNothing(studio, taskId);
      if (!t) return { applied: false, detail: `Task ${taskId} does not exist.` };
      if (typeof params.sha !== 'string') throw new Error('the content fingerprint was not recorded');
      const applied = contentFingerprint(t.content) === params.sha;
      return { applied, detail: applied ? 'The task holds the content that was sent.' : 'The task holds other content.', link: studio.taskLink(t.id) };
    }
    case 'save_schedule': {
      if (taskId === undefined) throw new Error(`no task in ${target}`);
      const cfg = await studio.getTaskConfiguration(taskId);
      const want = ((params.dependsOn as string[] | undefined) ?? []).slice().sort().join(',');
      const have = cfg.dependencies
        .map((d) => d.taskName ?? String(d.taskId))
        .sort()
        .join(',');
      const applied = (cfg.cron ?? '') === String(params.cron ?? '') && have === want;
      return {
        applied,
        detail: applied ? 'The configuration shows the schedule that was sent.' : `The configuration shows cron \`${cfg.cron ?? ''}\`, upstreams [${have}].`,
        link: studio.taskLink(taskId),
      };
    }
    case 'deploy':
    case 'undeploy': {
      const t = taskId === undefined ? undefined : await taskOrNothing(studio, taskId);
      if (!t) return { applied: action === 'undeploy', detail: `Task ${taskId} does not exist.` };
      const online = t.taskStatus?.code === 1 && t.editState?.code === 100;
      const applied = action === 'deploy' ? online : t.taskStatus?.code !== 1;
      return { applied, detail: `Task ${t.name} is ${t.taskStatus?.label ?? 'not deployed'} (${t.editState?.label ?? '?'}).`, link: studio.taskLink(t.id) };
    }
    case 'delete_task': {
      const t = taskId === undefined ? undefined : await taskOrNothing(studio, taskId);
      return { applied: t === undefined, detail: t ? `Task ${t.name} still exists.` : `Task ${taskId} is gone.` };
    }
    case 'delete_folder': {
      const id = Number(params.id);
      const f = (await studio.listAllFolders()).find((x) => x.id === id);
      return { applied: f === undefined, detail: f ? `Folder ${f.name} still exists.` : `Folder ${id} is gone.` };
    }
    default:
      throw new Error(`a ${action} cannot be verified from Studio's state`);
  }
}
