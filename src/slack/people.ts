/** Slack's answers about people, for alert mentions (src/alerts/mentions.ts caches them). */
import type { App } from '@slack/bolt';
import type { People } from '../alerts/mentions.js';

type WebClient = App['client'];

export function slackPeople(client: WebClient): People {
  return {
    // Needs users:read.email; without it (or for an unknown address) Slack answers an error: no user.
    userByEmail: async (email) => {
      const r = await client.users.lookupByEmail({ email });
      return r.user?.id;
    },
    userName: async (userId) => {
      const r = await client.users.info({ user: userId });
      const u = r.user;
      return u?.profile?.display_name || u?.real_name || u?.name || undefined;
    },
    groupHandle: async (groupId) => {
      const r = await client.usergroups.list({ include_users: false });
      return r.usergroups?.find((g) => g.id === groupId)?.handle || undefined;
    },
  };
}
