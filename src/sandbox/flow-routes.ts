/**
 * Studio's flow calls as the public cz-cli sends them (packages/clickzetta-sdk/src/studio/flow.ts;
 * what `cz-cli task flow …` reads, commands/task.ts and resolver.ts `resolveNodeId`): the DAG (a
 * list of nodes, each with `id`, `fileName` and `dependencies[{id, dependencyNodeId}]`), node
 * create/bind/unbind/remove, a node's detail, content and configuration (the task calls with a
 * `nodeId`), parameters, submit and its status, a temporary run, and a run's node instances.
 * The model is src/sandbox/flows.ts; what cz-cli does not read is our assumption (docs/cz-cli-fidelity.md).
 */
import { z } from 'zod';
import { taskKindByFileType } from '../studio/enums.js';
import { type ApiContext, type ApiResult, num, parse, requireProject } from './api.js';
import type { FlowNode, FlowNodeInstance, SandboxFlows } from './flows.js';
import { SandboxBusinessError } from './sim.js';

type Handler = (body: Record<string, unknown>, ctx: ApiContext) => ApiResult;
const optNum = num.optional().nullable();
const A = '/ide-admin/v1';

function nodeJson(flows: SandboxFlows, n: FlowNode) {
  return {
    id: n.id,
    fileName: n.name,
    nodeName: n.name,
    fileType: n.fileType,
    cycleTaskType: taskKindByFileType(n.fileType)?.scheduleType ?? null,
    nodeDescription: n.description,
    dataFileId: n.flowId,
    dependencies: flows.edgesOf(n.flowId, n.id).map((e) => ({
      id: e.id,
      dependencyNodeId: e.dependencyNodeId,
      dependencyNodeName: flows.requireNode(n.flowId, e.dependencyNodeId).name,
      dependencyFileId: n.flowId,
      refTableNames: e.refTableNames,
    })),
    createdBy: n.createdBy,
    createdTime: n.createdAt,
    updatedTime: n.updatedAt,
  };
}

function instanceJson(i: FlowNodeInstance) {
  return {
    flowId: i.run.task_id,
    flowInstanceId: i.run.id,
    flowNodeId: i.node.id,
    nodeName: i.node.name,
    fileType: i.node.fileType,
    flowNodeInstanceId: i.id,
    instanceType: i.run.instance_type,
    instanceStatus: i.status,
    planTriggerTime: i.run.plan_time,
    executeStartTime: i.start,
    executeEndTime: i.end,
    failMsg: i.failMsg,
    dependencyNodeIds: i.dependencyNodeIds,
  };
}

const adhocConfigs = z
  .union([z.string(), z.record(z.string(), z.unknown())])
  .nullish()
  .transform((v): Record<string, unknown> => {
    if (!v) return {};
    if (typeof v !== 'string') return v;
    try {
      const parsed = JSON.parse(v) as unknown;
      return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
    } catch {
      throw new SandboxBusinessError('PARAM_ERROR', '参数错误 (adhocConfigs is not JSON)');
    }
  });

/** The flow routes, and the task calls that answer for a node when they carry a `nodeId` (`base` answers the rest). */
export function flowRoutes(flows: SandboxFlows, base: Record<string, Handler>): Record<string, Handler> {
  const forNode =
    (path: string, handle: (b: Record<string, unknown>, ctx: ApiContext, flowId: number, node: FlowNode) => ApiResult): Handler =>
    (body, ctx) => {
      if (body.nodeId === undefined || body.nodeId === null || body.nodeId === '') return base[path]!(body, ctx);
      const b = parse(z.looseObject({ nodeId: num, id: optNum, dataFileId: optNum }), body);
      const flowId = b.dataFileId ?? b.id;
      if (flowId == null) throw new SandboxBusinessError('PARAM_ERROR', '参数错误 (dataFileId is required with nodeId)');
      flows.requireFlow(flowId);
      return handle(body, ctx, flowId, flows.requireNode(flowId, b.nodeId));
    };

  return {
    [`${A}/flow/getDag`]: (body) => {
      const b = parse(z.looseObject({ dataFileId: num }), body);
      flows.requireFlow(b.dataFileId);
      return { data: flows.nodesOf(b.dataFileId).map((n) => nodeJson(flows, n)) };
    },

    [`${A}/flow/node/create`]: (body, ctx) => {
      const b = parse(
        z.looseObject({
          dataFileId: num,
          projectId: num,
          nodeName: z.string().trim().min(1).max(128),
          fileType: num,
          nodeDescription: z.string().nullish(),
          dependencyNodeId: optNum,
          content: z.string().nullish(),
        }),
        body,
      );
      requireProject(ctx, b.projectId);
      const node = flows.createNode({
        flowId: b.dataFileId,
        name: b.nodeName,
        fileType: b.fileType,
        description: b.nodeDescription,
        content: b.content,
        dependencyNodeId: b.dependencyNodeId,
        actor: ctx.id.userName,
      });
      return { data: nodeJson(flows, node) };
    },

    [`${A}/flow/node/bind`]: (body, ctx) => {
      const b = parse(
        z.looseObject({ currentFileId: num, currentNodeId: num, currentProjectId: optNum, dependencyFileId: num, dependencyNodeId: num, dependencyProjectId: optNum }),
        body,
      );
      requireProject(ctx, b.currentProjectId);
      requireProject(ctx, b.dependencyProjectId);
      if (b.dependencyFileId !== b.currentFileId) {
        throw new SandboxBusinessError('FLOW_DEPENDENCY_CROSS_FLOW', `不支持跨工作流依赖 (node ${b.currentNodeId} and node ${b.dependencyNodeId} are in different flows)`);
      }
      flows.requireFlow(b.currentFileId);
      const e = flows.bind(b.currentFileId, b.currentNodeId, b.dependencyNodeId);
      return { data: { id: e.id, nodeId: e.nodeId, dependencyNodeId: e.dependencyNodeId } };
    },

    [`${A}/flow/node/unbind`]: (body) => {
      const b = parse(z.looseObject({ depId: num, fileId: num }), body);
      flows.unbind(b.fileId, b.depId);
      return { data: true };
    },

    [`${A}/flow/node/remove`]: (body) => {
      const b = parse(z.looseObject({ fileId: num, nodeId: num }), body);
      flows.removeNode(b.fileId, b.nodeId);
      return { data: true };
    },

    [`${A}/flow/list/params`]: (body, ctx) => {
      const b = parse(z.looseObject({ fileId: num }), body);
      const flow = flows.requireFlow(b.fileId);
      const detail = base[`${A}/dataFile/getDetail`]!({ id: flow.id }, ctx).data as { paramValueList: unknown[] };
      return {
        data: {
          id: flow.id,
          name: flow.name,
          paramValueList: detail.paramValueList,
          children: flows.nodesOf(flow.id).map((n) => ({ id: n.id, name: n.name, paramValueList: n.params })),
        },
      };
    },

    [`${A}/adhoc/flow/execute`]: (body, ctx) => {
      const param = z.looseObject({ paramKey: z.string(), paramValue: z.union([z.string(), z.number()]).nullish() });
      const b = parse(
        z.looseObject({
          dataFileId: num,
          updateBy: z.string().min(1),
          sqlVcCode: z.string().nullish(),
          flowParamValuesDto: z
            .looseObject({ paramValueList: z.array(param).nullish(), children: z.array(z.looseObject({ paramValueList: z.array(param).nullish() })).nullish() })
            .nullish(),
        }),
        body,
      );
      const params: Record<string, string> = {};
      const dto = b.flowParamValuesDto;
      for (const p of [...(dto?.paramValueList ?? []), ...(dto?.children ?? []).flatMap((c) => c.paramValueList ?? [])]) params[p.paramKey] = String(p.paramValue ?? '');
      const vc = b.sqlVcCode ? b.sqlVcCode.toLowerCase() : null;
      const { runId, content } = flows.executeTemp(b.dataFileId, { vcCode: vc, actor: b.updateBy, params });
      ctx.tempRunContents?.record(runId, content, params);
      return { data: { scheduleInstanceId: runId, instanceId: runId, sessionId: `adhoc-flow-${runId}` } };
    },

    [`${A}/flow/submit`]: (body, ctx) => {
      const b = parse(z.looseObject({ fileId: num, projectId: num, commitMsg: z.string().nullish() }), body);
      requireProject(ctx, b.projectId);
      return { data: flows.submit(b.fileId, ctx.id.userName) };
    },

    [`${A}/flow/checkSubmitStatus`]: (body) => {
      const b = parse(z.looseObject({ submitTraceId: z.string().min(1) }), body);
      // 2 published, 3 failed: the two values cz-cli's waitForFlowSubmit acts on.
      return { data: flows.submitStatus(b.submitTraceId).status };
    },

    [`${A}/flow/inst/listWithExtraInfo`]: (body, ctx) => {
      const b = parse(z.looseObject({ flowId: num, flowInstanceId: optNum, flowNodeId: optNum, flowNodeInstanceId: optNum }), body);
      flows.requireFlow(b.flowId);
      const run = b.flowInstanceId != null ? ctx.sim.requireRun(b.flowInstanceId) : ctx.sim.store.latestRunOfTask(b.flowId);
      if (!run) return { data: [] };
      if (run.task_id !== b.flowId) throw new SandboxBusinessError('FLOW_INSTANCE_NOT_EXIST', `工作流实例不存在 (run ${run.id} is not a run of flow ${b.flowId})`);
      const rows = flows.nodeInstances(run).filter((i) => (b.flowNodeId == null || i.node.id === b.flowNodeId) && (b.flowNodeInstanceId == null || i.id === b.flowNodeInstanceId));
      return { data: rows.map(instanceJson) };
    },

    [`${A}/dataFile/getDetail`]: forNode(`${A}/dataFile/getDetail`, (_b, ctx, flowId, n) => ({
      data: {
        ...nodeJson(flows, n),
        dataFileName: n.name,
        nodeId: n.id,
        projectId: ctx.id.projectId,
        fileContent: n.content,
        paramValueList: n.params,
        defaultVcName: (n.config.etlVcCode as string | undefined) ?? (n.config.adhocVcCode as string | undefined) ?? null,
        defaultSchemaName: (n.config.schemaName as string | undefined) ?? 'public',
        ownerEnName: n.createdBy,
        flowId,
      },
    })),

    [`${A}/dataFileConfiguration/getFileConfigurationDetail`]: forNode(`${A}/dataFileConfiguration/getFileConfigurationDetail`, (_b, ctx, flowId, n) => ({
      data: {
        dataFileId: flowId,
        nodeId: n.id,
        projectId: ctx.id.projectId,
        schemaName: 'public',
        ...n.config,
        dataFileDependencyDTOS: nodeJson(flows, n).dependencies.map((d) => ({ ...d, dependencyProjectId: ctx.id.projectId })),
      },
    })),

    [`${A}/dataFileConfiguration/saveDataFileConfiguration`]: forNode(`${A}/dataFileConfiguration/saveDataFileConfiguration`, (body, _ctx, flowId, n) => {
      const b = parse(
        z.looseObject({
          onlySaveContent: num,
          dataFileContent: z.string().nullish(),
          paramValueList: z.array(z.unknown()).nullish(),
          adhocConfigs,
          dataFileInputListReqs: z.array(z.looseObject({ dependencyNodeId: optNum, dependencyFileId: optNum, refTableNames: z.string().nullish() })).nullish(),
        }),
        body,
      );
      if (b.onlySaveContent === 1) {
        flows.saveContent(flowId, n.id, b.dataFileContent ?? '', b.paramValueList ?? [], b.adhocConfigs);
        return { data: null };
      }
      const inputs = b.dataFileInputListReqs?.map((d) => {
        if (d.dependencyNodeId == null || (d.dependencyFileId != null && d.dependencyFileId !== flowId)) {
          throw new SandboxBusinessError('FLOW_DEPENDENCY_CROSS_FLOW', '不支持跨工作流依赖 (a node depends only on nodes of its own flow)');
        }
        return { dependencyNodeId: d.dependencyNodeId, refTableNames: d.refTableNames ?? null };
      });
      const fields = [
        'cronExpress',
        'retryCount',
        'retryIntervalTime',
        'retryIntervalTimeUnit',
        'rerunProperty',
        'selfDependsJob',
        'schemaName',
        'etlVcCode',
        'etlVcId',
        'executeTimeout',
        'executeTimeoutUnit',
        'taskPriority',
        'configProperties',
        'activeStartTime',
        'activeEndTime',
      ];
      flows.saveConfig(flowId, n.id, Object.fromEntries(fields.map((k) => [k, body[k]])), inputs);
      return { data: null };
    }),
  };
}
