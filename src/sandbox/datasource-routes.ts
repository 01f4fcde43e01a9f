/**
 * Studio's data sources in the sandbox: the list (`projectDataSources/list`) and the browser cz-cli
 * reads (`datasource catalogs|objects|describe`: namespaces, their tables, a table's columns), from
 * the workspace's data sources and their generated catalogues (source-catalogue.ts).
 */
import { z } from 'zod';
import { type Handler, num, paginate, parse } from './api.js';
import { SandboxBusinessError, type StudioSim } from './sim.js';
import { sourceCatalogue } from './source-catalogue.js';
import { connectionParams } from './studio-fields.js';

const optNum = num.optional().nullable();

export const DATASOURCE_ROUTES: Record<string, Handler> = {
  '/ide-authority/v1/projectDataSources/list': (body, ctx) => {
    const b = parse(z.looseObject({ pageIndex: optNum, pageSize: optNum, status: optNum, dsName: z.string().nullish(), dsType: optNum }), body);
    const rows = ctx.sim.store
      .dataSources()
      .filter((d) => (b.status == null || d.status === b.status) && (b.dsType == null || d.ds_type === b.dsType) && (!b.dsName || d.name.includes(b.dsName)));
    const p = paginate(rows, b.pageIndex ?? 1, b.pageSize ?? 20);
    return { data: { list: p.slice.map((d) => ({ id: d.id, dsName: d.name, dsType: d.ds_type, status: d.status, connectionParams: connectionParams(d) })), total: p.total } };
  },

  // Studio's data source browser (cz-cli `datasource catalogs|objects|describe`).
  '/ide-authority/v1/projectDataSources/listNamespaces': (body, ctx) => {
    const b = parse(z.looseObject({ id: num }), body);
    return { data: { list: [...sourceCatalogue(dataSourceById(ctx, b.id)).keys()] } };
  },
  '/ide-authority/v1/projectDataSources/listDataObjects': (body, ctx) => {
    const b = parse(z.looseObject({ id: num, nameSpace: z.string().min(1) }), body);
    const tables = sourceCatalogue(dataSourceById(ctx, b.id)).get(b.nameSpace);
    if (!tables) throw new SandboxBusinessError('NAMESPACE_NOT_EXIST', `命名空间不存在 (no namespace ${b.nameSpace} in data source ${b.id})`);
    return { data: { list: tables.map((t) => ({ name: t.name, type: 'TABLE' })) } };
  },
  '/ide-authority/v1/projectDataSources/getDataObjectMeta': (body, ctx) => {
    const b = parse(z.looseObject({ id: num, nameSpace: z.string().min(1), dataObjectName: z.string().min(1) }), body);
    const t = sourceCatalogue(dataSourceById(ctx, b.id))
      .get(b.nameSpace)
      ?.find((x) => x.name === b.dataObjectName);
    if (!t) throw new SandboxBusinessError('DATA_OBJECT_NOT_EXIST', `数据对象不存在 (no table ${b.nameSpace}.${b.dataObjectName} in data source ${b.id})`);
    return { data: { name: t.name, columns: t.columns } };
  },
};

function dataSourceById(ctx: { sim: StudioSim }, id: number) {
  const ds = ctx.sim.store.dataSources().find((d) => d.id === id);
  if (!ds) throw new SandboxBusinessError('DATASOURCE_NOT_EXIST', `数据源不存在 (data source ${id} does not exist)`);
  return ds;
}
