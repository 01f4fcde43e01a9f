/**
 * Where a failure's card goes, and whom it mentions: routes from the policy file's `alerts:`
 * section first, then ALERT_CHANNELS (`pattern=CHANNEL,…`, patterns are folder/task globs, `*`
 * for everything else); Studio owners map to Slack users through `alerts.owners`.
 */
import { type Policy, scopeMatcher } from '../ops/policy.js';

export interface Route {
  matchers: RegExp[];
  channel: string;
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
    const fromPolicy = (policy.document.alerts?.routes ?? []).map((r) => ({ matchers: r.scope.map(scopeMatcher), channel: r.channel }));
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

  route(folder: string | undefined, task: string): string | undefined {
    const path = `${folder ?? ''}/${task}`;
    return this.routes.find((r) => r.matchers.some((m) => m.test(path)))?.channel;
  }

  /** A Slack mention for a Studio owner, or the owner's name. */
  mention(owner: string | undefined | null): string {
    if (!owner) return 'no owner';
    const user = this.owners[owner];
    return user ? `<@${user}>` : owner;
  }
}
