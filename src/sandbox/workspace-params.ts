/**
 * Workspace parameters (Studio's `workspaceParams`): values every task of the workspace may use as
 * `${key}`, and which the deploy pre-check counts as defined once published. Served as the public
 * cz-cli sends them (`packages/clickzetta-sdk/src/studio/workspace-params.ts`): list (paged), add,
 * update, publish (enable), offline (disable, by `paramIds`), delete (by `paramIds`). cz-cli prints
 * `data` as it comes; the answer's fields (`id`, `paramKey`, `paramValue`, `sourceType`,
 * `encrypt`, `status` 1 published / 0 not, `list`/`total`) are our assumption
 * (docs/cz-cli-fidelity.md). Kept in memory: a restarted sandbox has the seeded two again.
 */
import { z } from 'zod';
import { SandboxBusinessError } from './errors.js';

export interface WorkspaceParam {
  id: number;
  paramKey: string;
  paramValue: string;
  sourceType: number;
  encrypt: number;
  /** 1 published (tasks may use it), 0 added or taken offline. */
  status: 0 | 1;
  createdTime: number;
  updatedTime: number;
}

const KEY = /^[A-Za-z_][A-Za-z0-9_.]{0,127}$/;

export class WorkspaceParams {
  private readonly params: WorkspaceParam[] = [];
  private seq = 0;

  constructor(private readonly now: () => number) {
    for (const [k, v] of [
      ['env', 'prod'],
      ['warehouse_region', 'cn-shanghai'],
    ] as const)
      this.publish(this.add(k, v, 0, 0).id);
  }

  /** The keys tasks may use: the published parameters'. */
  definedKeys(): ReadonlySet<string> {
    return new Set(this.params.filter((p) => p.status === 1).map((p) => p.paramKey));
  }

  list(): WorkspaceParam[] {
    return this.params.slice();
  }

  add(paramKey: string, paramValue: string, sourceType: number, encrypt: number): WorkspaceParam {
    if (!KEY.test(paramKey)) throw new SandboxBusinessError('PARAM_ERROR', `参数名不合法 (invalid parameter key "${paramKey.slice(0, 80)}")`);
    if (this.params.some((p) => p.paramKey === paramKey)) throw new SandboxBusinessError('PARAM_ERROR', `参数已存在 (workspace parameter ${paramKey} already exists)`);
    const at = this.now();
    const p: WorkspaceParam = { id: ++this.seq, paramKey, paramValue, sourceType, encrypt, status: 0, createdTime: at, updatedTime: at };
    this.params.push(p);
    return p;
  }

  update(id: number, paramKey: string, paramValue: string, sourceType: number, encrypt: number): WorkspaceParam {
    const p = this.require(id);
    if (paramKey !== p.paramKey && this.params.some((x) => x.paramKey === paramKey))
      throw new SandboxBusinessError('PARAM_ERROR', `参数已存在 (workspace parameter ${paramKey} already exists)`);
    if (!KEY.test(paramKey)) throw new SandboxBusinessError('PARAM_ERROR', `参数名不合法 (invalid parameter key "${paramKey.slice(0, 80)}")`);
    Object.assign(p, { paramKey, paramValue, sourceType, encrypt, updatedTime: this.now() });
    return p;
  }

  publish(id: number): WorkspaceParam {
    const p = this.require(id);
    p.status = 1;
    p.updatedTime = this.now();
    return p;
  }

  offline(ids: number[]): void {
    for (const id of ids) {
      const p = this.require(id);
      p.status = 0;
      p.updatedTime = this.now();
    }
  }

  delete(ids: number[]): void {
    for (const id of ids) this.require(id);
    for (const id of ids)
      this.params.splice(
        this.params.findIndex((p) => p.id === id),
        1,
      );
  }

  private require(id: number): WorkspaceParam {
    const p = this.params.find((x) => x.id === id);
    if (!p) throw new SandboxBusinessError('PARAM_ERROR', `参数不存在 (workspace parameter ${id} does not exist)`);
    return p;
  }
}

const num = z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]);

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (!r.success) throw new SandboxBusinessError('PARAM_ERROR', `参数错误 (invalid request: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')})`);
  return r.data;
}

const A = '/ide-admin/v1/workspaceParams';
type Handler = (body: Record<string, unknown>, params: WorkspaceParams) => { data: unknown };

/** The routes, by path; `params` is the workspace's (the project id is checked by the caller). */
export const WORKSPACE_PARAM_ROUTES: Record<string, Handler> = {
  [`${A}/list`]: (body, params) => {
    const b = parse(z.looseObject({ projectId: num, pageIndex: num.optional(), pageSize: num.optional() }), body);
    const size = Math.max(1, Math.min(b.pageSize ?? 10, 1000));
    const page = Math.max(1, b.pageIndex ?? 1);
    const all = params.list();
    return { data: { list: all.slice((page - 1) * size, page * size), total: all.length, pageIndex: page, pageSize: size } };
  },
  [`${A}/add`]: (body, params) => {
    const b = parse(z.looseObject({ projectId: num, paramKey: z.string(), paramValue: z.string(), sourceType: num.optional(), encrypt: num.optional() }), body);
    return { data: params.add(b.paramKey, b.paramValue, b.sourceType ?? 0, b.encrypt ?? 0) };
  },
  [`${A}/update`]: (body, params) => {
    const b = parse(z.looseObject({ projectId: num, id: num, paramKey: z.string(), paramValue: z.string(), sourceType: num.optional(), encrypt: num.optional() }), body);
    return { data: params.update(b.id, b.paramKey, b.paramValue, b.sourceType ?? 0, b.encrypt ?? 0) };
  },
  [`${A}/publish`]: (body, params) => {
    const b = parse(z.looseObject({ projectId: num, id: num }), body);
    return { data: params.publish(b.id) };
  },
  [`${A}/offline`]: (body, params) => {
    const b = parse(z.looseObject({ projectId: num, paramIds: z.array(num).min(1) }), body);
    params.offline(b.paramIds);
    return { data: true };
  },
  [`${A}/delete`]: (body, params) => {
    const b = parse(z.looseObject({ projectId: num, paramIds: z.array(num).min(1) }), body);
    params.delete(b.paramIds);
    return { data: true };
  },
};
