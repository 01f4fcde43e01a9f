import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { connectStudio } from '../src/studio/connect.js';
import { listTaskRuns, readLogTail } from '../src/ops/read.js';
const config = loadConfig({ DATABASE_PATH: ':memory:', LOG_LEVEL: 'silent' });
const studio = await connectStudio(config, createLogger('silent'));
const c = studio.client;
for (let k = 0; k < 3; k++) {
  let t = performance.now();
  for (let i = 0; i < 50; i++) await c.resolveTask('04_transform_ods_to_dwd');
  console.log('resolveTask', ((performance.now() - t) / 50).toFixed(2));
  const task = await c.resolveTask('04_transform_ods_to_dwd');
  t = performance.now();
  for (let i = 0; i < 50; i++) await c.listRuns({ taskId: task.id, planFrom: Date.now() - 7 * 86400000, planTo: Date.now() + 86400000, pageSize: 100 });
  console.log('listRuns', ((performance.now() - t) / 50).toFixed(2));
  t = performance.now();
  for (let i = 0; i < 50; i++) await readLogTail(c, 7000022, { tail: 40 }).catch((e) => { if (i === 0) console.log(e.message); });
  console.log('readLogTail', ((performance.now() - t) / 50).toFixed(2));
}
await studio.close();
