/** Slack user-group membership for the policy, looked up with `usergroups.users.list` and cached. */
import type { App } from '@slack/bolt';

type WebClient = App['client'];
import type { Directory } from '../ops/operations.js';
import type { Policy } from '../ops/policy.js';

export class SlackDirectory implements Directory {
  private cache: { at: number; byUser: Map<string, string[]> } | undefined;

  constructor(
    private readonly client: WebClient,
    private readonly policy: Policy,
    private readonly ttlMs = 5 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  async groupsOf(userId: string): Promise<string[]> {
    if (!this.cache || this.now() - this.cache.at > this.ttlMs) {
      const byUser = new Map<string, string[]>();
      const groups = new Set(this.policy.document.grants.flatMap((g) => g.groups));
      for (const group of groups) {
        const r = await this.client.usergroups.users.list({ usergroup: group });
        for (const u of r.users ?? []) byUser.set(u, [...(byUser.get(u) ?? []), group]);
      }
      this.cache = { at: this.now(), byUser };
    }
    return this.cache.byUser.get(userId) ?? [];
  }
}
