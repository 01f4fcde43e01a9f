/** What every listener needs from a Slack payload: who acts, where, and how to answer. */
import type { Message } from '../src/blocks/kit.js';
import type { Actor } from '../src/ops/operations.js';
import type { AuditSource } from '../src/store/audit.js';
import type { InteractionBody } from '../src/slack/interactions.js';

interface PayloadUser {
  id: string;
  name?: string;
  username?: string;
  team_id?: string;
}

export function actorFromCommand(c: { user_id: string; user_name?: string; team_id?: string; channel_id?: string }): Actor {
  return { userId: c.user_id, userName: c.user_name, teamId: c.team_id, channelId: c.channel_id, source: 'slash' };
}

export function actorFromAction(body: { user: PayloadUser; team?: { id: string } | null; channel?: { id: string } }, source: AuditSource = 'button'): Actor {
  return {
    userId: body.user.id,
    userName: body.user.username ?? body.user.name,
    teamId: body.team?.id ?? body.user.team_id,
    channelId: body.channel?.id,
    source,
  };
}

/** The person behind any interactive payload (a forged one may lack fields: they are named unknown). */
export function actorFromPayload(body: InteractionBody, source: AuditSource = 'button'): Actor {
  return {
    userId: body.user?.id ?? 'unknown',
    userName: body.user?.username ?? body.user?.name,
    teamId: body.team?.id ?? body.user?.team_id,
    channelId: body.channel?.id,
    source,
  };
}

export const ephemeral = (m: Message) => ({ response_type: 'ephemeral' as const, replace_original: false, text: m.text, blocks: m.blocks });
export const replace = (m: Message) => ({ replace_original: true, text: m.text, blocks: m.blocks });
export const inChannel = (m: Message) => ({ response_type: 'in_channel' as const, replace_original: false, text: m.text, blocks: m.blocks });
