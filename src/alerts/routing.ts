/**
 * Where a failure's card goes, and whom it mentions: routes from the policy file's `alerts:`
 * section first (by folder/task glob, Studio owner and task type; each may name users and user
 * groups to mention on the card's first post), then ALERT_CHANNELS (`pattern=CHANNEL,…`,
 * patterns are folder/task globs, `*` for everything else). Studio owners map to Slack users
 * through `alerts.owners` or by e-mail (src/alerts/mentions.ts).
 */
import { type Policy, scopeMatcher } from '../ops/policy.js';
import { taskKindByLabel } from '../studio/enums.js';

export interface Route {
  matchers: RegExp[];
  channel: string;
  /** Studio owners this route takes (absent: any). */
  owners?: Set<string>;
  /** Task types this route takes, by key (absent: any). */
  taskTypes?: Set<string>;
  /** Slack users (U…) and user groups (S…) to mention on a card's first post. */
  mention?: string[];
}

/** What routing looks at: a card's folder and task, and when known its owner and task type. */
export interface RouteFacts {
  folder: string | null | undefined;
  task: string;
  owner?: string | null;
  /** The task type's key (SQL) or label (Batch sync (single table)). */
  taskType?: string | null;
}

export class RouteError extends Error {}

/** Parse ALERT_CHANNELS, e.g. `ecommerce_dw=C0ALERTS,legacy_dw/*=C0LEGACY,*=C0DATAENG`. */
export function parseAlertChannels(text: string | undefined): Route[] {
  if (!text?.trim()) return [];
  return text.split(',').map((part) => {
    const m = /^\s*([^=\s]+)\s*=\s*([A-Z0-9][A-Z0-9_-]+)\s*$/i.exec(part);
    if (!m) throw new RouteError(`ALERT_CHANNELS entry "${part.trim()}" is not pattern=CHANNEL_ID (e.g. ecommerce_dw=C0123ALERTS)`);
    return { matchers: [scopeMatcher(m[1]!)], channel: m[2]! };
  });
}

export class AlertRouter {
  private readonly routes: Route[];
  private readonly owners: Record<string, string>;

  constructor(policy: Policy, alertChannels: Route[]) {
    const fromPolicy = (policy.document.alerts?.routes ?? []).map(
      (r): Route => ({
        matchers: r.scope.map(scopeMatcher),
        channel: r.channel,
        owners: r.owners && new Set(r.owners),
        taskTypes: r.task_types && new Set(r.task_types.map((t) => t.toUpperCase())),
        mention: r.mention,
      }),
    );
    this.routes = [...fromPolicy, ...alertChannels];
    this.owners = policy.document.alerts?.owners ?? {};
  }

  get enabled(): boolean {
    return this.routes.length > 0;
  }

  /** Every channel cards can go to. */
  get channels(): string[] {
    return [...new Set(this.routes.map((r) => r.channel))];
  }

  route(folder: string | null | undefined, task: string, more: Omit<RouteFacts, 'folder' | 'task'> = {}): string | undefined {
    return this.routeOf({ folder, task, ...more })?.channel;
  }

  /** The first route that takes these facts (a condition whose fact is unknown does not hold). */
  routeOf(f: RouteFacts): Route | undefined {
    const path = `${f.folder ?? ''}/${f.task}`;
    return this.routes.find(
      (r) =>
        r.matchers.some((m) => m.test(path)) &&
        (!r.owners || (!!f.owner && r.owners.has(f.owner))) &&
        (!r.taskTypes || (!!f.taskType && r.taskTypes.has(taskKindByLabel(f.taskType)?.key ?? f.taskType.toUpperCase()))),
    );
  }

  /** The mentions a card's first post carries (`<@U…>`, `<!subteam^S…>`), from its route. */
  routeMentions(f: RouteFacts): string[] {
    return (this.routeOf(f)?.mention ?? []).map((id) => (/^S/i.test(id) ? `<!subteam^${id}>` : `<@${id}>`));
  }

  /** A Slack mention for a Studio owner, or the owner's name. */
  mention(owner: string | undefined | null): string {
    if (!owner) return 'no owner';
    const user = this.owners[owner];
    return user ? `<@${user}>` : owner;
  }
}
