/**
 * Studio's flows (composite tasks, file type 500): a flow task holds nodes (each a script of its
 * own type, content, parameters and configuration) and causal edges between them. A flow is
 * published by `flow/submit` (the flow task is deployed and the scheduler runs it like any task;
 * its nodes are snapshotted), run once by `adhoc/flow/execute` (a TEMP run of the flow task), and
 * a flow run's node instances follow that run (below). Kept in memory beside the store.
 * Source: the public cz-cli (packages/clickzetta-sdk/src/studio/flow.ts, commands/task.ts `task flow`).
 */
import { RUN_STATUS, RUN_TYPE, taskKindByFileType } from '../studio/enums.js';
import { type StoredParam, paramsFromSave } from './configuration.js';
import { SandboxBusinessError, type StudioSim } from './sim.js';
import type { RunRow, TaskRow } from './store.js';

export const FLOW_FILE_TYPE = 500;

export interface FlowNode {
  id: number;
  flowId: number;
  name: string;
  fileType: number;
  description: string | null;
  content: string;
  params: StoredParam[];
  /** The node's saved configuration (VCluster, schema, retries, …), field by field as cz-cli sends it. */
  config: Record<string, unknown>;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
}

/** `nodeId` runs after `dependencyNodeId` succeeds. `refTableNames` names a condition node's branch. */
export interface FlowEdge {
  id: number;
  flowId: number;
  nodeId: number;
  dependencyNodeId: number;
  refTableNames: string | null;
}

interface FlowSnapshot {
  nodes: FlowNode[];
  edges: FlowEdge[];
}

export interface FlowNodeInstance {
  id: number;
  run: RunRow;
  node: FlowNode;
  status: number;
  start: number | null;
  end: number | null;
  failMsg: string | null;
  dependencyNodeIds: number[];
}

const notFound = (what: string) => new SandboxBusinessError('FLOW_NODE_NOT_EXIST', `节点不存在 (${what})`);

export class SandboxFlows {
  private readonly nodes = new Map<number, FlowNode>();
  private readonly edges = new Map<number, FlowEdge>();
  private readonly published = new Map<number, FlowSnapshot>();
  private readonly tempRuns = new Map<number, FlowSnapshot>();
  private readonly instanceIds = new Map<string, number>();
  private readonly submits = new Map<string, { status: 2 | 3; message: string | null }>();
  private nextNodeId = 70_001;
  private nextEdgeId = 80_001;
  private nextInstanceId = 90_000_001;
  private nextTrace = 1;

  constructor(private readonly sim: StudioSim) {}

  requireFlow(id: number): TaskRow {
    const t = this.sim.requireTask(id);
    if (t.file_type !== FLOW_FILE_TYPE) throw new SandboxBusinessError('NOT_FLOW_FILE', `不是工作流任务 (task ${t.name} is not a flow: file type ${t.file_type})`);
    return t;
  }

  nodesOf(flowId: number): FlowNode[] {
    return [...this.nodes.values()].filter((n) => n.flowId === flowId).sort((a, b) => a.id - b.id);
  }

  edgesOf(flowId: number, nodeId?: number): FlowEdge[] {
    return [...this.edges.values()].filter((e) => e.flowId === flowId && (nodeId === undefined || e.nodeId === nodeId)).sort((a, b) => a.id - b.id);
  }

  requireNode(flowId: number, nodeId: number): FlowNode {
    const n = this.nodes.get(nodeId);
    if (!n || n.flowId !== flowId) throw notFound(`flow ${flowId} has no node ${nodeId}`);
    return n;
  }

  createNode(input: {
    flowId: number;
    name: string;
    fileType: number;
    description?: string | null;
    content?: string | null;
    dependencyNodeId?: number | null;
    actor: string;
  }): FlowNode {
    const flow = this.requireFlow(input.flowId);
    const kind = taskKindByFileType(input.fileType);
    if (!kind || input.fileType === FLOW_FILE_TYPE || kind.continuous) {
      throw new SandboxBusinessError('FILE_TYPE_NOT_SUPPORT', `不支持的节点类型 (a flow node cannot be of file type ${input.fileType})`);
    }
    if (input.dependencyNodeId != null) this.requireNode(flow.id, input.dependencyNodeId);
    const now = this.sim.now();
    const node: FlowNode = {
      id: this.nextNodeId++,
      flowId: flow.id,
      name: input.name,
      fileType: input.fileType,
      description: input.description ?? null,
      content: input.content ?? '',
      params: [],
      config: {},
      createdBy: input.actor,
      createdAt: now,
      updatedAt: now,
    };
    this.nodes.set(node.id, node);
    if (input.dependencyNodeId != null) this.bind(flow.id, node.id, input.dependencyNodeId);
    this.touch(flow);
    return node;
  }

  /** `nodeId` waits for `dependencyNodeId`; binding an existing edge again answers that edge. */
  bind(flowId: number, nodeId: number, dependencyNodeId: number, refTableNames: string | null = null): FlowEdge {
    this.requireNode(flowId, nodeId);
    const up = this.requireNode(flowId, dependencyNodeId);
    if (nodeId === dependencyNodeId) throw new SandboxBusinessError('DEPENDENCY_SELF', '节点不能依赖自身 (a node cannot depend on itself)');
    const existing = this.edgesOf(flowId, nodeId).find((e) => e.dependencyNodeId === dependencyNodeId && e.refTableNames === refTableNames);
    if (existing) return existing;
    if (this.upstreamOf(flowId, dependencyNodeId).has(nodeId)) {
      throw new SandboxBusinessError('CIRCULAR_DEPENDENCY', `存在循环依赖 (${up.name} already runs after ${this.requireNode(flowId, nodeId).name})`);
    }
    const edge: FlowEdge = { id: this.nextEdgeId++, flowId, nodeId, dependencyNodeId, refTableNames };
    this.edges.set(edge.id, edge);
    this.touch(this.requireFlow(flowId));
    return edge;
  }

  unbind(flowId: number, edgeId: number): void {
    const e = this.edges.get(edgeId);
    if (!e || e.flowId !== flowId) throw new SandboxBusinessError('FLOW_DEPENDENCY_NOT_EXIST', `依赖不存在 (flow ${flowId} has no dependency ${edgeId})`);
    this.edges.delete(edgeId);
    this.touch(this.requireFlow(flowId));
  }

  removeNode(flowId: number, nodeId: number): void {
    this.requireNode(flowId, nodeId);
    this.nodes.delete(nodeId);
    for (const e of this.edgesOf(flowId)) if (e.nodeId === nodeId || e.dependencyNodeId === nodeId) this.edges.delete(e.id);
    this.touch(this.requireFlow(flowId));
  }

  saveContent(flowId: number, nodeId: number, content: string, params: unknown[], adhoc: Record<string, unknown>): void {
    const node = this.requireNode(flowId, nodeId);
    node.content = content;
    node.params = paramsFromSave(params);
    if (typeof adhoc.schema === 'string') node.config.schemaName ??= adhoc.schema;
    if (typeof adhoc.adhocVcCode === 'string') node.config.adhocVcCode = adhoc.adhocVcCode;
    node.updatedAt = this.sim.now();
    this.touch(this.requireFlow(flowId));
  }

  /**
   * A node's configuration save: the fields sent replace those saved, the ones left out are kept
   * (cz-cli's `node-save-config` sends only what it was given). Dependencies, when sent, replace the
   * node's edges; an edge kept keeps its id.
   */
  saveConfig(flowId: number, nodeId: number, fields: Record<string, unknown>, inputs: { dependencyNodeId: number; refTableNames: string | null }[] | undefined): void {
    const node = this.requireNode(flowId, nodeId);
    for (const [k, v] of Object.entries(fields)) if (v !== undefined && v !== null) node.config[k] = v;
    if (inputs) {
      const keep = new Set<number>();
      for (const d of inputs) keep.add(this.bind(flowId, nodeId, d.dependencyNodeId, d.refTableNames).id);
      for (const e of this.edgesOf(flowId, nodeId)) if (!keep.has(e.id)) this.edges.delete(e.id);
    }
    node.updatedAt = this.sim.now();
    this.touch(this.requireFlow(flowId));
  }

  /** Publish: an empty flow or a node without content fails (status 3); otherwise the flow task is deployed. */
  submit(flowId: number, actor: string): string {
    const flow = this.requireFlow(flowId);
    const trace = `flow-submit-${flowId}-${this.nextTrace++}`;
    const nodes = this.nodesOf(flowId);
    const empty = nodes.filter((n) => n.content.trim() === '').map((n) => n.name);
    const problem = nodes.length === 0 ? `flow ${flow.name} has no nodes` : empty.length > 0 ? `nodes without content: ${empty.join(', ')}` : null;
    if (problem) {
      this.submits.set(trace, { status: 3, message: problem });
      return trace;
    }
    this.sim.deploy(flowId, actor);
    this.published.set(flowId, this.snapshot(flowId));
    this.submits.set(trace, { status: 2, message: null });
    return trace;
  }

  submitStatus(trace: string): { status: 2 | 3; message: string | null } {
    const s = this.submits.get(trace);
    if (!s) throw new SandboxBusinessError('FLOW_SUBMIT_TRACE_NOT_EXIST', `提交记录不存在 (no flow submit ${trace})`);
    return s;
  }

  /** `adhoc/flow/execute`: a TEMP run of the flow task over its current nodes. */
  executeTemp(flowId: number, input: { vcCode: string | null; actor: string; params: Record<string, string> }): { runId: number; content: string } {
    this.requireFlow(flowId);
    const snap = this.snapshot(flowId);
    if (snap.nodes.length === 0) throw new SandboxBusinessError('FLOW_NODE_EMPTY', '工作流没有节点 (the flow has no nodes to run)');
    const content = snap.nodes.map((n) => `-- node ${n.name}\n${n.content}`).join('\n');
    const runId = this.sim.executeTemp({ taskId: flowId, content, params: input.params, vcCode: input.vcCode, actor: input.actor });
    this.tempRuns.set(runId, snap);
    return { runId, content };
  }

  /**
   * A flow run's node instances. The run is one run in the scheduler (its attempts, retries, stop
   * and outcome are the flow task's); its nodes run inside it level by level in dependency order,
   * each level an equal share of the run's time: a succeeded run's nodes all succeeded; a running
   * run's nodes before now succeeded, the current level runs, the rest wait; a failed run failed in
   * its last level's first node (the others of that level succeeded). Our assumption: cz-cli prints
   * what Studio answers and says nothing of how node instances relate to the flow's run.
   */
  nodeInstances(run: RunRow): FlowNodeInstance[] {
    const snap = (run.instance_type === RUN_TYPE.TEMP ? this.tempRuns.get(run.id) : undefined) ?? this.published.get(run.task_id) ?? this.snapshot(run.task_id);
    const levels = this.levels(snap);
    const span = run.end_time !== null && run.start_time !== null ? run.end_time - run.start_time : (run.duration_ms ?? 60_000);
    const share = span / Math.max(1, levels.length);
    const now = this.sim.now();
    const out: FlowNodeInstance[] = [];
    levels.forEach((level, i) => {
      level.forEach((node, j) => {
        const key = `${run.id}:${node.id}`;
        if (!this.instanceIds.has(key)) this.instanceIds.set(key, this.nextInstanceId++);
        const from = run.start_time === null ? null : Math.round(run.start_time + i * share);
        const to = run.start_time === null ? null : Math.round(run.start_time + (i + 1) * share);
        let status: number;
        let failMsg: string | null = null;
        if (from === null || to === null) status = run.status === RUN_STATUS.UPSTREAM_FAILED ? RUN_STATUS.UPSTREAM_FAILED : RUN_STATUS.NOT_STARTED;
        else if (run.status === RUN_STATUS.SUCCESS) status = RUN_STATUS.SUCCESS;
        else if (run.status === RUN_STATUS.FAILED && run.end_time !== null) {
          const last = i === levels.length - 1;
          status = last && j === 0 ? RUN_STATUS.FAILED : RUN_STATUS.SUCCESS;
          if (status === RUN_STATUS.FAILED) failMsg = run.fail_msg;
        } else status = to <= now ? RUN_STATUS.SUCCESS : from <= now ? RUN_STATUS.RUNNING : RUN_STATUS.NOT_STARTED;
        const ended = status === RUN_STATUS.SUCCESS || status === RUN_STATUS.FAILED;
        out.push({
          id: this.instanceIds.get(key)!,
          run,
          node,
          status,
          start: status === RUN_STATUS.NOT_STARTED || status === RUN_STATUS.UPSTREAM_FAILED ? null : from,
          end: ended ? (i === levels.length - 1 && run.end_time !== null ? run.end_time : to) : null,
          failMsg,
          dependencyNodeIds: snap.edges.filter((e) => e.nodeId === node.id).map((e) => e.dependencyNodeId),
        });
      });
    });
    return out;
  }

  /** Nodes by dependency level: those with no upstream first. */
  private levels(snap: FlowSnapshot): FlowNode[][] {
    const depth = new Map<number, number>();
    const ups = (id: number) => snap.edges.filter((e) => e.nodeId === id).map((e) => e.dependencyNodeId);
    const depthOf = (id: number): number => {
      const known = depth.get(id);
      if (known !== undefined) return known;
      const d = Math.max(-1, ...ups(id).map(depthOf)) + 1;
      depth.set(id, d);
      return d;
    };
    const levels: FlowNode[][] = [];
    for (const n of snap.nodes) {
      const d = depthOf(n.id);
      levels[d] = [...(levels[d] ?? []), n];
    }
    return levels.filter((l) => l.length > 0);
  }

  private upstreamOf(flowId: number, nodeId: number): Set<number> {
    const seen = new Set<number>();
    const walk = (id: number) => {
      for (const e of this.edgesOf(flowId, id)) {
        if (seen.has(e.dependencyNodeId)) continue;
        seen.add(e.dependencyNodeId);
        walk(e.dependencyNodeId);
      }
    };
    walk(nodeId);
    return seen;
  }

  private snapshot(flowId: number): FlowSnapshot {
    return { nodes: this.nodesOf(flowId).map((n) => ({ ...n, params: [...n.params], config: { ...n.config } })), edges: this.edgesOf(flowId).map((e) => ({ ...e })) };
  }

  /** An edit marks the flow modified (after publication) or waiting to be published, as a task's edit does. */
  private touch(flow: TaskRow): void {
    this.sim.store.updateTask(flow.id, { flow_status: flow.task_status === 1 ? 80 : 20, updated_at: this.sim.now() });
  }
}
