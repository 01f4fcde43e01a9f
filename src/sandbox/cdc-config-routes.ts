/**
 * Saving a multi-table CDC pipeline's configuration (`/ide-admin/v1/ai/mcp/saveCdcTask`), as the
 * public cz-cli sends it when it creates a pipeline (`saveCdcTask` in
 * packages/clickzetta-sdk/src/studio/task.ts; commands/task.ts): sources, objects to sync, target.
 * Saving it is what configures the pipeline's mapping, which a deploy otherwise refuses
 * (src/sandbox/sim.ts). The checks and the answer (`true`) are our assumption (docs/cz-cli-fidelity.md).
 */
import { z } from 'zod';
import { type ApiContext, type ApiResult, num, parse, requireProject } from './api.js';
import { SandboxBusinessError } from './sim.js';

type Handler = (body: Record<string, unknown>, ctx: ApiContext) => ApiResult;
const LAKEHOUSE_DS = 1;
const POSTGRES_DS = 7;

export function cdcConfigRoutes(slotsOf: (datasourceIds: number[]) => { datasourceId: number; pipelineSlotMetaVos: { slotName: string }[] }[]): Record<string, Handler> {
  return {
    '/ide-admin/v1/ai/mcp/saveCdcTask': (body, ctx) => {
      const b = parse(
        z.looseObject({
          dataFileId: num,
          projectId: num,
          pipelineType: z.union([z.literal(1), z.literal(2), z.literal(3)]),
          saveMode: z.union([z.literal(1), z.literal(2), z.literal(3)]).optional(),
          syncMode: z.union([z.literal(1), z.literal(2)]).optional(),
          sourceDatasourceList: z.array(z.looseObject({ datasourceId: num, datasourceType: num, slotName: z.string().nullish(), logicPlugin: z.string().nullish() })).min(1),
          syncObjectList: z.array(z.looseObject({ schemaName: z.string().min(1), tableName: z.string().min(1).nullish() })).min(1),
          targetDatasource: z.looseObject({ datasourceId: num, datasourceType: num }),
        }),
        body,
      );
      requireProject(ctx, b.projectId);
      const task = ctx.sim.requireTask(b.dataFileId);
      if (task.file_type !== 281 && task.file_type !== 291) {
        throw new SandboxBusinessError('NOT_CDC_TASK', `不是多表同步任务 (task ${task.name} is file type ${task.file_type}, not a multi-table pipeline: 281 or 291)`);
      }
      const sources = ctx.sim.store.dataSources();
      const known = (id: number, type: number, role: string) => {
        const ds = sources.find((d) => d.id === id);
        if (!ds) throw new SandboxBusinessError('DATASOURCE_NOT_EXIST', `数据源不存在 (${role} data source ${id} does not exist)`);
        if (ds.ds_type !== type) throw new SandboxBusinessError('DATASOURCE_TYPE_MISMATCH', `数据源类型不匹配 (${role} data source ${ds.name} is type ${ds.ds_type}, not ${type})`);
        return ds;
      };
      for (const s of b.sourceDatasourceList) {
        const ds = known(s.datasourceId, s.datasourceType, 'source');
        if (ds.ds_type === POSTGRES_DS) {
          const slots = slotsOf([ds.id]).flatMap((x) => x.pipelineSlotMetaVos.map((v) => v.slotName));
          if (!s.slotName || !slots.includes(s.slotName)) {
            throw new SandboxBusinessError(
              'PG_SLOT_NOT_EXIST',
              `复制槽不存在 (PostgreSQL source ${ds.name} needs an existing replication slot: ${slots.join(', ') || 'none'}; got ${s.slotName ?? 'none'})`,
            );
          }
        }
      }
      if (known(b.targetDatasource.datasourceId, b.targetDatasource.datasourceType, 'target').ds_type !== LAKEHOUSE_DS) {
        throw new SandboxBusinessError('DATASOURCE_TYPE_MISMATCH', '目标必须是 Lakehouse (the target of a pipeline is the Lakehouse data source)');
      }
      if (b.pipelineType !== 3 && b.syncObjectList.some((o) => !o.tableName)) {
        throw new SandboxBusinessError('PARAM_ERROR', '参数错误 (a multi-table pipeline (type 1 or 2) names its tables; whole-database sync is type 3)');
      }
      ctx.sim.store.updateTask(task.id, { mapping_configured: 1, flow_status: task.task_status === 1 ? 80 : 20, updated_at: ctx.sim.now() });
      return { data: true };
    },
  };
}
