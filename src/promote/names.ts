/**
 * A folder's names from one workspace to another (`/cz promote`): each workspace's `names` in the
 * workspaces file say how its schemas, VClusters and data sources differ from the common names;
 * a name goes from the source's to the common one, then to the target's. Unlisted names are the
 * same everywhere.
 */
import type { WorkspaceNames } from '../workspaces.js';

const NO_NAMES: WorkspaceNames = { schemaPrefix: '', schemaSuffix: '', schemas: [], vclusters: {}, dataSources: {} };

export interface NameMapper {
  schema(name: string): string;
  vcluster(name: string): string;
  dataSource(name: string): string;
  /** A task's content: schemas as identifiers, `VCLUSTER <name>` in DDL, data sources in a sync's JSON. */
  content(text: string): string;
  /** Every renaming it makes, for the diff's head (`ecommerce_ods → ecommerce_ods_prod`). */
  renamings(): string[];
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** One pass over `text`: every key of `map` as a whole identifier becomes its value (never renamed twice). */
function replaceIdentifiers(text: string, map: Map<string, string>, before = '', caseless = false): string {
  const keys = [...map.keys()].filter((k) => map.get(k) !== k).sort((a, b) => b.length - a.length);
  if (!keys.length) return text;
  const re = new RegExp(`(${before})(?<![\\w$])(${keys.map(escapeRe).join('|')})(?![\\w$])`, caseless ? 'gi' : 'g');
  return text.replace(re, (_m, lead: string, name: string) => `${lead}${map.get(caseless ? (keys.find((k) => k.toLowerCase() === name.toLowerCase()) ?? name) : name) ?? name}`);
}

export function nameMapper(fromNames: WorkspaceNames | undefined, toNames: WorkspaceNames | undefined): NameMapper {
  const from = fromNames ?? NO_NAMES;
  const to = toNames ?? NO_NAMES;
  const common = [...new Set([...from.schemas, ...to.schemas])];
  const schemaIn = (n: WorkspaceNames, c: string) => (n.schemas.includes(c) || common.includes(c) ? `${n.schemaPrefix}${c}${n.schemaSuffix}` : c);
  const schemas = new Map(common.map((c) => [schemaIn(from, c), schemaIn(to, c)]));
  /** Source's name → target's, for every common name either workspace renames. */
  const twoWay = (f: Record<string, string>, t: Record<string, string>) => new Map([...new Set([...Object.keys(f), ...Object.keys(t)])].map((c) => [f[c] ?? c, t[c] ?? c]));
  const vcs = twoWay(from.vclusters, to.vclusters);
  const dss = twoWay(from.dataSources, to.dataSources);
  const vcluster = (name: string) => vcs.get(name) ?? name;
  const dataSource = (name: string) => dss.get(name) ?? name;
  const schema = (name: string) => schemas.get(name) ?? name;
  return {
    schema,
    vcluster,
    dataSource,
    content(text) {
      let out = replaceIdentifiers(text, schemas);
      out = replaceIdentifiers(out, vcs, '\\bVCLUSTER\\s+', true);
      // A sync's JSON: "datasource": "<name>" (any key naming a data source).
      const keys = [...dss.keys()].filter((k) => dss.get(k) !== k);
      if (keys.length) {
        const re = new RegExp(`("(?:datasource|dataSource|dataSourceName|dsName)"\\s*:\\s*")(${keys.map(escapeRe).join('|')})(")`, 'g');
        out = out.replace(re, (_m, a: string, n: string, b: string) => `${a}${dss.get(n) ?? n}${b}`);
      }
      return out;
    },
    renamings() {
      const pairs = [...schemas, ...vcs, ...dss].filter(([a, b]) => a !== b).map(([a, b]) => `${a} → ${b}`);
      return [...new Set(pairs)];
    },
  };
}
