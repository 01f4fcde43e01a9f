/**
 * The rest of a multi-table CDC pipeline's calls in the public cz-cli's SDK
 * (packages/clickzetta-sdk/src/studio/task.ts): taking a pipeline offline (`offlineCdcTask`, the
 * CLI's `task cdc offline`), checking its tables (`checkCdcTables`) and PostgreSQL publications
 * (`listPgPublications`). cz-cli prints what they answer; the shapes beyond the SDK's types
 * (`PgPublicationListItem`) are our assumption (docs/cz-cli-fidelity.md). Beside stream-routes.ts
 * (the streams' own calls), over the same model (streams.ts).
 */
import { z } from 'zod';
import { type ApiContext, type ApiResult, num, parse } from './api.js';
import { SandboxBusinessError } from './sim.js';
import type { SandboxStreams, Stream } from './streams.js';

type Handler = (body: Record<string, unknown>, ctx: ApiContext) => ApiResult;
const POSTGRES_DS = 7;

export function pipelineRoutes(streams: SandboxStreams): Record<string, Handler> {
  const pipeline = (id: number): Stream => {
    const s = streams.require(id);
    if (s.kind !== 'MULTI_REALTIME') throw new SandboxBusinessError('NOT_PIPELINE', `不是多表实时任务 (${s.name} is not a multi-table pipeline)`);
    return s;
  };
  return {
    /** Back to draft: the stream stops (if it runs), the task goes offline and waits to be published again. Answers `true`. */
    '/ide-admin/v1/timelyTask/pipeline/offline': (body, ctx) => {
      const b = parse(z.looseObject({ fileId: num, updateBy: z.string().min(1) }), body);
      const s = pipeline(b.fileId);
      const task = ctx.sim.requireTask(s.taskId);
      if (task.task_status !== 1) throw new SandboxBusinessError('SCHEDULE_TASK_NOT_ONLINE', `任务未上线 (pipeline ${task.name} is not online)`);
      if (s.state !== 'STOPPED') streams.stop(s, b.updateBy);
      ctx.sim.store.updateTask(task.id, { task_status: 2, flow_status: 20, updated_at: ctx.sim.now(), last_edit_user: b.updateBy });
      return { data: true };
    },

    /** Each table of the pipeline: PASS, or FAIL with the table's error (a table in FAILED state). */
    '/ide-admin/v1/timelyTask/pipeline/checkTables': (body) => {
      const b = parse(z.looseObject({ pipelineId: num, workspace: z.string().min(1), pipelineType: num, heterogeneous: z.boolean().optional() }), body);
      const s = pipeline(b.pipelineId);
      return {
        data: s.tables.map((t) => ({
          id: t.id,
          schemaName: t.schema,
          tableName: t.table,
          checkResult: t.state === 'FAILED' ? 'FAIL' : 'PASS',
          message: t.state === 'FAILED' ? t.error : null,
        })),
      };
    },

    /** PostgreSQL data sources' publications (cz-cli's PgPublicationListItem); none for other sources. */
    '/clickzetta-rocket/api/v1/task/pipeline/listPublications': (body, ctx) => {
      const b = parse(z.looseObject({ datasourceIds: z.array(num).min(1) }), body);
      const sources = ctx.sim.store.dataSources();
      return {
        data: b.datasourceIds.map((id) => {
          const ds = sources.find((d) => d.id === id);
          if (!ds) throw new SandboxBusinessError('DATASOURCE_NOT_EXIST', `数据源不存在 (data source ${id} does not exist)`);
          const publications =
            ds.ds_type === POSTGRES_DS
              ? [
                  {
                    name: 'cz_cdc_pub',
                    owner: 'cz_reader',
                    allTables: true,
                    publishInsert: true,
                    publishUpdate: true,
                    publishDelete: true,
                    publishTruncate: false,
                    publishViaPartitionRoot: false,
                  },
                ]
              : [];
          return { datasourceId: id, publications };
        }),
      };
    },
  };
}
