/**
 * Who may do what, from the YAML policy file (POLICY_FILE):
 *
 * ```yaml
 * grants:
 *   - role: admin
 *     users: [U0123ADMIN]
 *     groups: [S0PLATFORM]        # Slack user groups
 *     scope: ["*"]
 *   - role: operator
 *     users: [U0456OPS]
 *     scope: ["ecommerce_dw/*", "doc_connector_demo/github_*"]
 * limits:
 *   backfill_max_days: { operator: 7, admin: 31 }
 *   allowed_channels: [C0DATAENG]  # operations only here (and in DMs); absent: anywhere
 * alerts:
 *   routes:                        # first match wins; scope, owners and task_types must all hold
 *     - { scope: ["legacy_dw/*"], task_types: [SHELL], channel: C0LEGACY, mention: [S0ONCALL] }
 *     - { owners: [ada], channel: C0ADA }
 *   owners: { ada: U0ADA }         # Studio owner → Slack user (else looked up by e-mail)
 *   owner_email_domain: example.com
 *   stream_lag:                    # a stream alerts when this far behind (default 5 minutes)
 *     - { scope: ["streaming_ingest/*"], minutes: 15 }
 *   baselines:                     # outputs committed by a time (src/baselines/): a card before they are late
 *     - { task: ads_daily_report, by: "09:00", margin: 30m }   # by: hh:mm (hh up to 47) or :mm hourly
 *   retries:                       # a card after N final failures in a row (default 1); a quiet note when a retry recovers
 *     - { scope: ["legacy_dw"], failures_in_a_row: 3, note_recovery: true }
 * ```
 *
 * A scope is a glob over `folder/task`; a scope without `/` means the whole folder; a scope may
 * start with a workspace's name (`prod:legacy_dw/*`, with several workspaces) and then holds only
 * there — without one it holds in every workspace. Roles rank
 * viewer < operator < admin; the highest grant that matches wins. No file: everyone is a viewer.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { TASK_KINDS, taskKindByKey } from '../studio/enums.js';
import { type Baseline, DEFAULT_MARGIN_MIN, parseCommitted, parseMargin } from '../baselines/model.js';

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function roleRank(r: Role): number {
  return ROLES.indexOf(r);
}

const id = z.string().regex(/^[A-Z0-9][A-Z0-9_-]*$/i, 'must be a Slack id such as U0123ABC');

const policySchema = z.strictObject({
  grants: z
    .array(
      z.strictObject({
        role: z.enum(ROLES),
        users: z.array(id).default([]),
        groups: z.array(id).default([]),
        scope: z.array(z.string().min(1)).min(1, 'needs at least one pattern, e.g. "*" or "my_folder/*"'),
      }),
    )
    .default([]),
  alerts: z
    .strictObject({
      /** First match wins; every condition given must hold (scope, owners, task types). */
      routes: z
        .array(
          z.strictObject({
            scope: z.array(z.string().min(1)).min(1).default(['*']),
            /** Studio owners (their user names) whose tasks this route takes. */
            owners: z.array(z.string().min(1)).min(1).optional(),
            /** Task types by key (SQL, SHELL, PYTHON, DI, …; case-insensitive). */
            task_types: z
              .array(
                z.string().refine((t) => !!taskKindByKey(t.toUpperCase()), {
                  message: `must be a task type: ${TASK_KINDS.map((k) => k.key).join(', ')}`,
                }),
              )
              .min(1)
              .optional(),
            channel: id,
            /** Slack users (U…) or user groups (S…) mentioned on a card's first post. */
            mention: z.array(id).default([]),
          }),
        )
        .default([]),
      owners: z.record(z.string(), id).default({}),
      /** Studio user names are looked up in Slack as `<name>@<this domain>` (users.lookupByEmail). */
      owner_email_domain: z
        .string()
        .regex(/^[a-z0-9.-]+\.[a-z]{2,}$/i, 'must be a mail domain such as example.com')
        .optional(),
      /** Lag over which a stream alerts, per scope (first match wins); default 5 minutes. */
      stream_lag: z
        .array(
          z.strictObject({
            scope: z.array(z.string().min(1)).min(1),
            minutes: z
              .number()
              .positive()
              .max(7 * 24 * 60),
          }),
        )
        .default([]),
      /** Baselines: an output task, its committed time (`09:00`, `25:30`, `:45`) and alert margin (`30m`). */
      baselines: z
        .array(
          z.strictObject({
            task: z.string().min(1),
            by: z.string().refine((t) => !('error' in parseCommitted(t)), { message: 'a time of day like "09:00" (hours up to 47) or a minute of the hour like ":45"' }),
            margin: z
              .union([z.string(), z.number()])
              .refine((m) => typeof parseMargin(String(m)) === 'number', { message: 'minutes or hours, like "30m" or "1h"' })
              .optional(),
          }),
        )
        .default([]),
      /**
       * How failures with retries page, per scope (first match wins): a card only after this many
       * final failures of a task in a row (default 1), and a quiet note in the alert channel when
       * a run recovers on Studio's own retry (default none).
       */
      retries: z
        .array(
          z.strictObject({
            scope: z.array(z.string().min(1)).min(1),
            failures_in_a_row: z.number().int().min(1).max(50).default(1),
            note_recovery: z.boolean().default(false),
          }),
        )
        .default([]),
    })
    .optional(),
  limits: z
    .strictObject({
      backfill_max_days: z
        .strictObject({ viewer: z.number().int().min(0).optional(), operator: z.number().int().min(0).optional(), admin: z.number().int().min(0).optional() })
        .default({}),
      /** Runs one person may rerun in one bulk request without a second admin's approval. */
      bulk_rerun_max_runs: z.number().int().min(0).optional(),
      allowed_channels: z.array(id).optional(),
    })
    .default({ backfill_max_days: {} }),
});

export type PolicyDocument = z.infer<typeof policySchema>;

export class PolicyError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`Policy file ${file} is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'PolicyError';
  }
}

export interface Subject {
  userId: string;
  groups?: readonly string[];
}

export interface PolicyTarget {
  folder?: string;
  task?: string;
}

const DEFAULT_BACKFILL_DAYS: Record<Role, number> = { viewer: 0, operator: 7, admin: 31 };

function globToRegExp(glob: string): RegExp {
  const src = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${src}$`, 'i');
}

/** A scope pattern as a matcher of `folder/task`: a pattern without `/` means the whole folder. */
export function scopeMatcher(pattern: string): RegExp {
  return globToRegExp(pattern === '*' || pattern.includes('/') ? pattern : `${pattern}/*`);
}

const WORKSPACE_PREFIX = /^([a-z][a-z0-9_-]{0,31}):(.+)$/;
const NEVER = /(?!)/;

/** A scope in one workspace: `prod:legacy_dw/*` holds in prod only; `legacy_dw/*` in every workspace. */
function workspaceScopeMatcher(pattern: string, workspace: string | undefined): RegExp {
  const m = WORKSPACE_PREFIX.exec(pattern);
  if (!m) return scopeMatcher(pattern);
  return m[1] === workspace ? scopeMatcher(m[2]!) : NEVER;
}

export class Policy {
  private readonly grants: { role: Role; users: Set<string>; groups: Set<string>; scope: string[]; matchers: RegExp[] }[];

  private constructor(
    readonly document: PolicyDocument,
    /** Where it came from; undefined when no policy file is configured. */
    readonly file: string | undefined,
    /** The workspace this view of the policy decides for (scopes naming another workspace do not hold). */
    readonly workspace?: string,
    /** Several workspaces: refusals suggest a workspace-scoped grant. */
    private readonly several = false,
  ) {
    this.grants = document.grants.map((g) => ({
      role: g.role,
      users: new Set(g.users),
      groups: new Set(g.groups),
      scope: g.scope,
      matchers: g.scope.map((p) => workspaceScopeMatcher(p, workspace)),
    }));
  }

  /** The same policy, deciding for one workspace. */
  forWorkspace(name: string, several: boolean): Policy {
    return new Policy(this.document, this.file, name, several);
  }

  /** Scopes naming a workspace that is not configured (a typo would silently grant nothing). */
  unknownWorkspaces(names: readonly string[]): string[] {
    const problems: string[] = [];
    for (const [i, g] of this.document.grants.entries())
      for (const [j, p] of g.scope.entries()) {
        const m = WORKSPACE_PREFIX.exec(p);
        if (m && !names.includes(m[1]!)) problems.push(`grants.${i}.scope.${j}: "${p}" names workspace ${m[1]}, which is not configured (${names.join(', ')})`);
      }
    return problems;
  }

  static none(): Policy {
    return new Policy({ grants: [], limits: { backfill_max_days: {} } }, undefined);
  }

  static fromYaml(text: string, file = '(inline)'): Policy {
    let raw: unknown;
    try {
      raw = parseYaml(text) ?? {};
    } catch (e) {
      throw new PolicyError(file, [`not valid YAML: ${(e as Error).message.split('\n')[0]}`]);
    }
    const r = policySchema.safeParse(raw);
    if (!r.success) {
      throw new PolicyError(
        file,
        r.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(top level)'}: ${i.message}`),
      );
    }
    return new Policy(r.data, file);
  }

  static load(file: string | undefined): Policy {
    if (!file) return Policy.none();
    return Policy.fromYaml(readFileSync(file, 'utf8'), file);
  }

  get configured(): boolean {
    return this.file !== undefined;
  }

  /** Whether the policy names any group (so the bot must look group membership up). */
  get usesGroups(): boolean {
    return this.grants.some((g) => g.groups.size > 0);
  }

  private applies(g: Policy['grants'][number], s: Subject): boolean {
    return g.users.has(s.userId) || (s.groups ?? []).some((x) => g.groups.has(x));
  }

  /** The subject's role for a target (a task in a folder); without a target, the highest anywhere. */
  roleFor(s: Subject, target?: PolicyTarget): Role {
    let best: Role = 'viewer';
    const path = target ? `${target.folder ?? ''}/${target.task ?? ''}` : undefined;
    for (const g of this.grants) {
      if (!this.applies(g, s)) continue;
      if (path !== undefined && !g.matchers.some((m) => m.test(path) || (target?.task === undefined && m.test(`${target?.folder ?? ''}/x`)))) continue;
      if (roleRank(g.role) > roleRank(best)) best = g.role;
    }
    return best;
  }

  /** Who holds `role` (or higher) for a target: users and user groups, as the policy names them. */
  holders(role: Role, target: PolicyTarget): { users: string[]; groups: string[] } {
    const path = `${target.folder ?? ''}/${target.task ?? ''}`;
    const users = new Set<string>();
    const groups = new Set<string>();
    for (const g of this.grants) {
      if (roleRank(g.role) < roleRank(role) || !g.matchers.some((m) => m.test(path))) continue;
      for (const u of g.users) users.add(u);
      for (const x of g.groups) groups.add(x);
    }
    return { users: [...users], groups: [...groups] };
  }

  /** Every grant that names the subject, for `/cz whoami`. */
  grantsFor(s: Subject): { role: Role; scope: string[] }[] {
    return this.grants.filter((g) => this.applies(g, s)).map((g) => ({ role: g.role, scope: g.scope }));
  }

  /** Lag (ms) over which a stream in `folder` counts as lagging: the first matching `alerts.stream_lag` rule, else 5 minutes. */
  streamLagThresholdMs(folder: string | undefined, task: string): number {
    const path = `${folder ?? ''}/${task}`;
    const rule = (this.document.alerts?.stream_lag ?? []).find((r) => r.scope.some((p) => workspaceScopeMatcher(p, this.workspace).test(path)));
    return rule ? rule.minutes * 60_000 : 5 * 60_000;
  }

  /** The baselines the file sets (`alerts.baselines`). */
  baselines(): Baseline[] {
    return (this.document.alerts?.baselines ?? []).map((b) => {
      const at = parseCommitted(b.by) as Exclude<ReturnType<typeof parseCommitted>, { error: string }>;
      return { task: b.task, ...at, marginMin: b.margin === undefined ? DEFAULT_MARGIN_MIN : (parseMargin(String(b.margin)) as number), by: 'policy file' };
    });
  }

  /** How failures of a task in `folder` page: the first matching `alerts.retries` rule, else a card on every final failure and no recovery notes. */
  retryRule(folder: string | undefined, task: string): { failuresInARow: number; noteRecovery: boolean } {
    const path = `${folder ?? ''}/${task}`;
    const rule = (this.document.alerts?.retries ?? []).find((r) => r.scope.some((p) => workspaceScopeMatcher(p, this.workspace).test(path)));
    return { failuresInARow: rule?.failures_in_a_row ?? 1, noteRecovery: rule?.note_recovery ?? false };
  }

  bulkRerunMaxRuns(): number {
    return this.document.limits.bulk_rerun_max_runs ?? 20;
  }

  backfillMaxDays(role: Role): number {
    return this.document.limits.backfill_max_days[role] ?? DEFAULT_BACKFILL_DAYS[role];
  }

  /** Operations are allowed from this channel (DMs always are). */
  channelAllowed(channelId: string | undefined): boolean {
    const allowed = this.document.limits.allowed_channels;
    if (!allowed || allowed.length === 0 || !channelId) return true;
    return channelId.startsWith('D') || allowed.includes(channelId);
  }

  /** How a person gets `role` for `target`: the sentence a refusal ends with. */
  howToGrant(userId: string, role: Role, target?: PolicyTarget): string {
    const scope = `${this.several && this.workspace ? `${this.workspace}:` : ''}${target?.folder ? `${target.folder}/*` : '*'}`;
    const example = `grants:\n  - role: ${role}\n    users: [${userId}]\n    scope: ["${scope}"]`;
    return this.configured
      ? `An admin can grant it in the policy file (${this.file}):\n\`\`\`${example}\`\`\``
      : `No policy file is configured (POLICY_FILE), so everyone is a viewer. To allow operations, point POLICY_FILE at a YAML file such as:\n\`\`\`${example}\`\`\``;
  }
}
