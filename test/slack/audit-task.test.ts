/**
 * `/cz audit --task` takes the task as every other command does (a name, `folder/name`, the id) and
 * reads that task's entries — those on it and on its runs — not those of a task of the same name in
 * another folder (found in the chromium tour: `folder/name` and the id found nothing; the name mixed folders).
 */
import { describe, expect, it } from 'vitest';
import { USERS, useBotHarness } from '../helpers/bot.js';
import { visibleText } from '../helpers/fake-slack.js';

const b = useBotHarness();
const NAME = '04_transform_ods_to_dwd';

describe('/cz audit --task', () => {
  it('by name, folder/name or id: that task’s entries and its runs’, no other folder’s; a name two folders use reads both and says how to choose', async () => {
    const task = b.sb.store.taskByName(NAME)!;
    const folder = b.sb.store.folder(task.folder_id)!.name;
    const other = b.sb.store.insertFolder({ name: 'marketing_dw', parent_id: 0, created_by: 'sandbox_admin', created_at: Date.now() });
    const audit = b.bot.services.audit;
    const row = (target: string, action: string, params: Record<string, unknown>) =>
      audit.append({ at: b.clock.now(), opId: `op-${action}-${target}`, actorId: USERS.operator, source: 'slash', action, target, taskName: NAME, params, outcome: 'succeeded' });
    await row(`task:${task.id}`, 'execute', { taskId: task.id });
    await row('run:7000123', 'rerun', { runId: 7000123, taskId: task.id });
    await row('task:99001', 'deploy', { taskId: 99001 }); // the other folder's task of that name
    const say = async (text: string) => visibleText(await b.answer((await b.command(text, USERS.operator)).responseId));

    for (const ref of [`${folder}/${NAME}`, String(task.id), NAME]) {
      const text = await say(`audit --task ${ref}`);
      expect(text, ref).toContain(`execute* task:${task.id}`);
      expect(text, ref).toContain('rerun* run:7000123');
      expect(text, ref).not.toContain('task:99001');
      expect(text, ref).toContain(`task ${folder}/${NAME} (id ${task.id})`);
    }
    // A second task of that name in Studio: both folders' entries, and how to pick one.
    b.sb.store.insertTask({ name: NAME, file_type: task.file_type, folder_id: other, owner: 'sandbox_admin', created_at: Date.now() });
    const both = await say(`audit --task ${NAME}`);
    expect(both).toContain('task:99001');
    expect(both).toContain(`task:${task.id}`);
    expect(both).toMatch(/in every folder that has one \(.*marketing_dw.*: add the folder, e\.g\. --task \w+\/04_transform_ods_to_dwd\)/);
    // A task Studio does not have (deleted): read by the name its entries carry.
    const gone = await say('audit --task no_longer_there');
    expect(gone).toContain('No audit entries match (task no_longer_there (Studio has no such task now');
  });
});
