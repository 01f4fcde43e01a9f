/**
 * The wizard's questions whose answers are chosen from Studio's own lists (Slack-free): the data
 * source (Studio's data sources of the engine asked), its tables (every namespace's tables, as
 * cz-cli `datasource catalogs` / `objects` list them) and the INTEGRATION VCluster a sync task runs
 * on. A short list is offered whole; a long one is searched (what was typed, at most 100 matches).
 */
import type { StudioClient } from '../studio/client.js';
import type { SourceColumn } from '../studio/models.js';

/** Slack's limit on the options of a select menu (static or external). */
export const MAX_OPTIONS = 100;

/** Studio's data source types per engine the wizard asks about (cz-cli's DS_TYPE_MAP). */
export const ENGINE_DS_TYPES: Record<string, number[]> = {
  mysql: [5, 17, 19, 39],
  postgresql: [7, 40, 48],
  sqlserver: [8],
};

const ENGINE_NAMES: Record<string, string> = { mysql: 'MySQL', postgresql: 'PostgreSQL', sqlserver: 'SQL Server' };

export interface ChoiceOption {
  value: string;
  label: string;
}

export type ChoiceList = { kind: 'list'; options: ChoiceOption[]; total: number; noun: string } | { kind: 'blocked'; message: string };

type Studio = Pick<StudioClient, 'listDataSources' | 'listDataSourceNamespaces' | 'listDataObjects' | 'dataObjectColumns'>;

/** Matches of what was typed: names starting with it first, then names containing it; at most `limit`. */
export function searchOptions(all: readonly ChoiceOption[], query: string, limit = MAX_OPTIONS): ChoiceOption[] {
  const q = query.trim().toLowerCase();
  if (!q) return all.slice(0, limit);
  const starts: ChoiceOption[] = [];
  const contains: ChoiceOption[] = [];
  for (const o of all) {
    const v = o.value.toLowerCase();
    const table = v.slice(v.indexOf('.') + 1);
    if (v.startsWith(q) || table.startsWith(q)) starts.push(o);
    else if (v.includes(q)) contains.push(o);
  }
  return [...starts, ...contains].slice(0, limit);
}

export class StudioChoices {
  /** Per data source: its tables as `namespace.table`, read once per ttl (a search per keystroke must not re-list). */
  private readonly tableCache = new Map<string, { at: number; list: ChoiceOption[] }>();

  constructor(
    private readonly studio: Studio,
    private readonly opts: { ttlMs?: number; now?: () => number } = {},
  ) {}

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  async dataSources(engine: string | undefined): Promise<ChoiceList> {
    const types = ENGINE_DS_TYPES[engine ?? 'mysql'] ?? [];
    const found = (await Promise.all(types.map((type) => this.studio.listDataSources({ type, pageSize: 100 })))).flatMap((p) => p.items);
    const name = ENGINE_NAMES[engine ?? 'mysql'] ?? engine ?? 'this';
    if (found.length === 0)
      return {
        kind: 'blocked',
        message: `Studio has no ${name} data source in this workspace. Create one in Studio (Data Integration → Data sources → New, type ${name}), test its connection there, then *Check again*.`,
      };
    const options = found.map((d) => ({ value: d.name, label: `${d.name} (${d.type.label})` })).sort((a, b) => a.value.localeCompare(b.value));
    return { kind: 'list', options, total: options.length, noun: 'data sources' };
  }

  private async dataSourceId(name: string, engine: string | undefined): Promise<number | undefined> {
    for (const type of ENGINE_DS_TYPES[engine ?? 'mysql'] ?? []) {
      const hit = (await this.studio.listDataSources({ type, name, pageSize: 100 })).items.find((d) => d.name === name);
      if (hit) return hit.id;
    }
    return undefined;
  }

  /** Every table of the data source, `namespace.table`, from Studio's browser (cached per ttl). */
  async tables(dataSource: string, engine: string | undefined): Promise<ChoiceList> {
    const key = `${engine}:${dataSource}`;
    const kept = this.tableCache.get(key);
    if (kept && this.now() - kept.at < (this.opts.ttlMs ?? 300_000)) return { kind: 'list', options: kept.list, total: kept.list.length, noun: 'tables' };
    const id = await this.dataSourceId(dataSource, engine);
    if (id === undefined) return { kind: 'blocked', message: `Studio no longer lists the data source \`${dataSource}\`: go *Back* and choose another.` };
    const list: ChoiceOption[] = [];
    for (const ns of await this.studio.listDataSourceNamespaces(id)) {
      for (const t of await this.studio.listDataObjects(id, ns)) list.push({ value: `${ns}.${t}`, label: `${ns}.${t}` });
    }
    if (list.length === 0) return { kind: 'blocked', message: `Studio lists no tables in \`${dataSource}\`: check its connection and permissions in Studio, then *Check again*.` };
    this.tableCache.set(key, { at: this.now(), list });
    return { kind: 'list', options: list, total: list.length, noun: 'tables' };
  }

  /** Each chosen `namespace.table` with its columns (cz-cli `datasource describe`). */
  async columns(dataSource: string, engine: string | undefined, chosen: string[]): Promise<{ namespace: string; name: string; columns: SourceColumn[] }[]> {
    const id = await this.dataSourceId(dataSource, engine);
    if (id === undefined) return [];
    return Promise.all(
      chosen.map(async (full) => {
        const dot = full.indexOf('.');
        const namespace = full.slice(0, dot);
        const name = full.slice(dot + 1);
        return { namespace, name, columns: await this.studio.dataObjectColumns(id, namespace, name) };
      }),
    );
  }
}

/** The INTEGRATION VClusters to choose from, or what to do when there is none (never a guessed name). */
export function syncVClusterChoices(integration: string[] | undefined): ChoiceList {
  if (integration === undefined)
    return {
      kind: 'blocked',
      message: "Studio's VCluster list could not be read, so the sync task's INTEGRATION VCluster cannot be chosen (a sync task runs only on one). *Check again* in a moment.",
    };
  if (integration.length === 0)
    return {
      kind: 'blocked',
      message:
        'This workspace has no INTEGRATION VCluster, and a sync task runs only on one. A workspace admin creates one — on the compute clusters (计算集群) page of Lakehouse, type *Integration* (同步型), or in SQL: `CREATE VCLUSTER IF NOT EXISTS sync_vc VCLUSTER_SIZE = 1 VCLUSTER_TYPE = INTEGRATION;` — then *Check again*.',
    };
  const options = integration.map((n) => ({ value: n, label: n }));
  return { kind: 'list', options, total: options.length, noun: 'INTEGRATION VClusters' };
}
