/**
 * `/cz audit --task <task>`: the task as every other command takes it (a name, `folder/name`, or the
 * id), resolved in Studio, and its audit rows — those that act on it (`task:<id>`) or on one of its
 * runs (their params carry the task id). A name several folders use reads every folder's rows and
 * says so; a task Studio no longer has is read by the name (or id) its rows were written with.
 */
import type { AuditFilter, AuditLog, AuditRow } from '../store/audit.js';
import type { Remote } from '../store/remote.js';
import { TaskLookupError } from '../studio/errors.js';
import type { StudioReads } from '../studio/reads.js';

/** Rows read to find a task's among others of the same name (or, by id alone, among all). */
const SCAN = 2000;

export async function auditOfTask(
  studio: Pick<StudioReads, 'resolveTask'>,
  audit: Remote<AuditLog>,
  ref: string,
  filter: Omit<AuditFilter, 'taskName'> & { limit: number },
): Promise<{ rows: AuditRow[]; label: string }> {
  const text = ref.trim();
  const named = (name: string) => audit.query({ ...filter, taskName: name });
  const ofId = (id: number) => (r: AuditRow) => r.target === `task:${id}` || Number(r.params.taskId) === id;
  try {
    const t = await studio.resolveTask(text);
    const rows = (await audit.query({ ...filter, taskName: t.name, limit: SCAN })).filter((r) => ofId(t.id)(r) || (!r.target.startsWith('task:') && r.params.taskId === undefined));
    return { rows: rows.slice(0, filter.limit), label: `task ${t.folderName ? `${t.folderName}/` : ''}${t.name} (id ${t.id})` };
  } catch (e) {
    const name = text.slice(text.lastIndexOf('/') + 1);
    if (e instanceof TaskLookupError && e.reason === 'ambiguous') {
      const folders = e.candidates.map((c) => c.folder ?? `id ${c.id}`).join(', ');
      return {
        rows: await named(name),
        label: `task ${name} in every folder that has one (${folders}: add the folder, e.g. --task ${e.candidates[0]?.folder ?? 'folder'}/${name})`,
      };
    }
    const why = e instanceof TaskLookupError ? 'Studio has no such task now' : 'Studio could not be read';
    if (/^\d+$/.test(text)) {
      const rows = (await audit.query({ ...filter, limit: SCAN })).filter(ofId(Number(text)));
      return { rows: rows.slice(0, filter.limit), label: `task id ${text} (${why})` };
    }
    return { rows: await named(name), label: `task ${name} (${why}: by the name its entries were written with)` };
  }
}
