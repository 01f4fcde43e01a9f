/**
 * Several Studio workspaces in one bot: the workspaces file (WORKSPACES_FILE, YAML, validated with
 * zod; every problem names its key), or the four STUDIO_* variables (or none: the sandbox) as one
 * workspace. Each workspace has its own Studio connection and its own database beside the main one;
 * a channel may default to a workspace; `--ws <name>` picks one per command.
 *
 *   default: prod
 *   workspaces:
 *     prod: { url: https://cn-shanghai-alicloud.api.clickzetta.com, instance: acme, workspace: prod_ws, token_env: STUDIO_TOKEN_PROD, alert_channels: "*=C0123ALERTS" }
 *     dev:  { sandbox: true, workspace: demo_dev, alert_channels: "*=C0456DEVALERTS" }
 *   channels: { C0456DEV: dev }
 *
 * A workspace may say how its names differ from the others' (`names`, used by `/cz promote`) and
 * that it is protected (a promotion into it needs a second admin's approval):
 *
 *     prod:
 *       …
 *       protected: true
 *       names:
 *         schema_suffix: _prod                      # ecommerce_ods → ecommerce_ods_prod
 *         schemas: [ecommerce_ods, ecommerce_dwd]   # the schemas the suffix/prefix applies to
 *         vclusters: { default: etl_vc }            # the common name → this workspace's
 *         data_sources: { mysql_shop: mysql_shop_prod }
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { StudioTarget } from './config.js';

export interface WorkspaceConfig {
  /** The bot's name for it (`--ws`, policy scopes `name:folder/task`, cards). */
  name: string;
  studio: StudioTarget;
  /** The sandbox's workspace name, for a sandbox workspace. */
  sandboxWorkspace?: string;
  databasePath: string;
  /** ALERT_CHANNELS syntax; unset: the global ALERT_CHANNELS applies to the default workspace only. */
  alertChannels: string | undefined;
  /** How this workspace's names differ from the common ones (unset: they are the common ones). */
  names?: WorkspaceNames;
  /** A promotion into it waits for a second admin's approval. */
  protected?: boolean;
  /** The sandbox's seed for a sandbox workspace (default `demo`). */
  sandboxSeed?: 'demo' | 'demo_prod' | 'empty';
}

/** A workspace's names, against the common names the other workspaces share. */
export interface WorkspaceNames {
  schemaPrefix: string;
  schemaSuffix: string;
  /** The common schema names the prefix and suffix apply to. */
  schemas: string[];
  /** Common VCluster name → this workspace's. */
  vclusters: Record<string, string>;
  /** Common data source name → this workspace's. */
  dataSources: Record<string, string>;
}

export interface WorkspacesConfig {
  default: string;
  list: WorkspaceConfig[];
  /** Channel id → workspace name. */
  channels: Record<string, string>;
  /** True when a workspaces file named them (cards and answers then say which workspace). */
  several: boolean;
}

const NAME = /^[a-z][a-z0-9_-]{0,31}$/;
const CHANNELS_SYNTAX = /^\s*[^=\s,]+\s*=\s*[A-Z0-9][A-Z0-9_-]+\s*(,\s*[^=\s,]+\s*=\s*[A-Z0-9][A-Z0-9_-]+\s*)*$/i;

const IDENT = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const identifier = (what: string) => z.string().regex(IDENT, `must be a ${what} name (letters, digits and "_", not starting with a digit)`);
const affix = z.string().regex(/^[A-Za-z0-9_]{0,32}$/, 'must be letters, digits and "_" (up to 32), e.g. _prod');

/** `names:` — how a workspace's names differ from the common ones (used by `/cz promote`). */
const namesSchema = z
  .strictObject({
    schema_prefix: affix.default(''),
    schema_suffix: affix.default(''),
    schemas: z.array(identifier('schema')).default([]),
    vclusters: z.record(z.string(), identifier('VCluster')).default({}),
    data_sources: z.record(z.string(), identifier('data source')).default({}),
  })
  .superRefine((n, ctx) => {
    if ((n.schema_prefix || n.schema_suffix) && n.schemas.length === 0)
      ctx.addIssue({ code: 'custom', path: ['schemas'], message: 'must list the common schema names the prefix/suffix applies to (e.g. [ecommerce_ods, ecommerce_dwd])' });
    for (const [key, map] of [
      ['vclusters', n.vclusters],
      ['data_sources', n.data_sources],
    ] as const) {
      const seen = new Map<string, string>();
      const what = key === 'vclusters' ? 'VCluster' : 'data source';
      for (const [common, mine] of Object.entries(map)) {
        if (!IDENT.test(common)) ctx.addIssue({ code: 'custom', path: [key, common], message: `keys are ${what} names (letters, digits and "_", not starting with a digit)` });
        const other = seen.get(mine);
        if (other) ctx.addIssue({ code: 'custom', path: [key, common], message: `maps to ${mine}, as ${other} does: each name must map to a different one` });
        seen.set(mine, common);
      }
    }
  })
  .optional();

const alertChannels = z.string().regex(CHANNELS_SYNTAX, 'must be pattern=CHANNEL_ID pairs, e.g. "*=C0123ALERTS"').optional();

/** A workspace in Studio: where, which, and the variable holding its token. */
const remoteSchema = z.strictObject({
  url: z.string().regex(/^https?:\/\/[^\s/]+(\/\S*)?$/, 'must be a URL such as https://cn-shanghai-alicloud.api.clickzetta.com'),
  instance: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'must be the Lakehouse instance name (letters, digits, "_", "-", ".")'),
  workspace: z.string().min(1, 'must be the workspace name as Studio shows it'),
  token_env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must name an environment variable holding the access token (e.g. STUDIO_TOKEN_PROD)'),
  alert_channels: alertChannels,
  names: namesSchema,
  protected: z.boolean('must be true or false').optional(),
});

/** The embedded sandbox as a workspace (trying the bot, tests). */
const sandboxSchema = z.strictObject({
  sandbox: z.literal(true, 'must be true (or leave it out and give url, instance, workspace and token_env)'),
  workspace: z
    .string()
    .regex(/^[A-Za-z0-9_]+$/, 'must be a workspace name (letters, digits, "_")')
    .optional(),
  alert_channels: alertChannels,
  names: namesSchema,
  protected: z.boolean('must be true or false').optional(),
  seed: z.enum(['demo', 'demo_prod', 'empty'], 'must be demo, demo_prod or empty').optional(),
});

/** Which of the two a workspace entry is: one with `sandbox` is the sandbox (so the errors are about the right one). */
const workspaceSchema = z.custom<unknown>().transform((v, ctx) => {
  const schema = v && typeof v === 'object' && 'sandbox' in v ? sandboxSchema : remoteSchema;
  const r = schema.safeParse(v);
  if (r.success) return r.data;
  for (const i of r.error.issues) ctx.addIssue({ code: 'custom', path: i.path, message: i.message });
  return z.NEVER;
});

const fileSchema = z.strictObject({
  default: z.string().regex(NAME, 'must be the name of one of the workspaces below'),
  workspaces: z.record(z.string(), workspaceSchema).refine((w) => Object.keys(w).length > 0, 'must list at least one workspace'),
  channels: z.record(z.string(), z.string()).default({}),
});

/** What the schema cannot say alongside its own problems: names, channel ids, and references between keys. */
function crossProblems(raw: unknown): { path: string[]; message: string }[] {
  if (!raw || typeof raw !== 'object') return [];
  const f = raw as { default?: unknown; workspaces?: unknown; channels?: unknown };
  const names = f.workspaces && typeof f.workspaces === 'object' ? Object.keys(f.workspaces) : [];
  const out: { path: string[]; message: string }[] = [];
  for (const name of names) if (!NAME.test(name)) out.push({ path: ['workspaces', name], message: 'workspace names are lower case letters, digits, "_" and "-" (up to 32)' });
  if (typeof f.default === 'string' && names.length && !names.includes(f.default))
    out.push({ path: ['default'], message: `is ${JSON.stringify(f.default)}, which is not one of ${names.join(', ')}` });
  if (f.channels && typeof f.channels === 'object')
    for (const [channel, ws] of Object.entries(f.channels)) {
      if (!/^[CG][A-Z0-9]{6,}$/.test(channel)) out.push({ path: ['channels', channel], message: 'keys are Slack channel ids (C0123ABCD)' });
      else if (typeof ws === 'string' && names.length && !names.includes(ws))
        out.push({ path: ['channels', channel], message: `is ${JSON.stringify(ws)}, which is not one of ${names.join(', ')}` });
    }
  return out;
}

/** A problem with its key: `workspaces.prod.token_env: …`. */
function issuePath(path: readonly PropertyKey[]): string {
  return path.length ? path.map(String).join('.') : '(top level)';
}

/** The database of a workspace other than the default: beside the main one, named after it. */
function databaseFor(main: string, name: string): string {
  if (main === ':memory:') return ':memory:';
  const ext = extname(main) || '.db';
  return join(dirname(main), `${basename(main, extname(main))}.${name}${ext}`);
}

/**
 * The workspaces file, checked. Problems come back as lines naming the file and the key; the
 * caller reports them with the rest of the configuration's.
 */
export function loadWorkspacesFile(
  file: string,
  env: NodeJS.ProcessEnv,
  main: { databasePath: string; alertChannels: string | undefined },
): { config?: WorkspacesConfig; problems: string[] } {
  if (!existsSync(file)) return { problems: [`WORKSPACES_FILE names ${JSON.stringify(file)}, which does not exist: point it at a YAML file (see README, "Several workspaces")`] };
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (e) {
    return { problems: [`WORKSPACES_FILE ${file}: not YAML (${(e as Error).message.split('\n')[0]})`] };
  }
  const parsed = fileSchema.safeParse(raw);
  const issues = [...(parsed.success ? [] : parsed.error.issues), ...crossProblems(raw)];
  if (!parsed.success || issues.length) return { problems: issues.map((i) => `WORKSPACES_FILE ${file}: ${issuePath(i.path)}: ${i.message}`) };
  const problems: string[] = [];
  const list: WorkspaceConfig[] = [];
  for (const [name, w] of Object.entries(parsed.data.workspaces)) {
    const databasePath = name === parsed.data.default ? main.databasePath : databaseFor(main.databasePath, name);
    const alertChannels = w.alert_channels ?? (name === parsed.data.default ? main.alertChannels : undefined);
    const extra = {
      ...(w.names
        ? {
            names: {
              schemaPrefix: w.names.schema_prefix,
              schemaSuffix: w.names.schema_suffix,
              schemas: w.names.schemas,
              vclusters: w.names.vclusters,
              dataSources: w.names.data_sources,
            },
          }
        : {}),
      ...(w.protected ? { protected: true } : {}),
    };
    if ('sandbox' in w) {
      list.push({
        name,
        studio: { mode: 'sandbox' },
        sandboxWorkspace: w.workspace ?? `demo_${name}`,
        databasePath,
        alertChannels,
        ...extra,
        ...(w.seed ? { sandboxSeed: w.seed } : {}),
      });
      continue;
    }
    const token = env[w.token_env]?.trim();
    if (!token) {
      problems.push(`WORKSPACES_FILE ${file}: workspaces.${name}.token_env: names ${w.token_env}, which is not set: set it to the workspace's personal access token`);
      continue;
    }
    list.push({
      name,
      studio: { mode: 'remote', url: w.url.replace(/\/+$/, ''), accessToken: token, instance: w.instance, workspace: w.workspace },
      databasePath,
      alertChannels,
      ...extra,
    });
  }
  if (problems.length) return { problems };
  return { config: { default: parsed.data.default, list, channels: parsed.data.channels, several: list.length > 1 }, problems: [] };
}

/** The STUDIO_* variables (or the sandbox) as the one workspace. */
export function singleWorkspace(studio: StudioTarget, databasePath: string, alertChannels: string | undefined): WorkspacesConfig {
  const name = studio.mode === 'remote' ? studio.workspace.toLowerCase().replace(/[^a-z0-9_-]/g, '_') : 'demo_ws';
  return {
    default: name,
    list: [{ name, studio, sandboxWorkspace: studio.mode === 'sandbox' ? 'demo_ws' : undefined, databasePath, alertChannels }],
    channels: {},
    several: false,
  };
}

/** The workspace a command is for: `--ws` first, then the channel's default, then the default. */
export function workspaceFor(ws: WorkspacesConfig, opts: { flag?: string; channel?: string }): { name: string } | { unknown: string } {
  if (opts.flag !== undefined) return ws.list.some((w) => w.name === opts.flag) ? { name: opts.flag } : { unknown: opts.flag };
  return { name: (opts.channel && ws.channels[opts.channel]) || ws.default };
}
