/** The App Home tab: what needs someone now (open alerts, approvals), your roles, your recent operations, what the bot can do. */
import type { HomeView } from '@slack/types';
import { buildHelp, buildAudit, buildWhoami } from '../../src/blocks/replies.js';
import { buildHomeWork } from '../../src/blocks/home.js';
import { entryMenuBlocks } from '../../src/blocks/entry-menu.js';
import { baselineHomeBlocks } from '../../src/blocks/baselines.js';
import type { Services } from '../../src/services.js';
import type { BoltApp } from '../../src/slack/app.js';

export function registerAppHome(app: BoltApp, s: Services): void {
  app.event('app_home_opened', async ({ event, client }) => {
    if (event.tab !== 'home') return;
    const actor = { userId: event.user, source: 'system' as const };
    const help = buildHelp();
    const who = buildWhoami(event.user, await s.operations.grantsOf(actor));
    const mine = buildAudit(await s.audit.query({ actorId: event.user, limit: 10 }), 'your last 10 entries', 'Nothing you did is in the audit log yet.');
    // Seed 000's entry menu: build new, change existing, troubleshoot, standards check.
    const start = entryMenuBlocks();
    const cards = (await s.alerts?.store.openCards()) ?? [];
    const now = s.now();
    const waiting = (await s.ops.withStatus('awaiting_approval')).filter((op) => op.expiresAt > now);
    const approvals = await Promise.all(
      waiting.map(async (op) => {
        // A backfill names its folder; a bulk rerun the folders of its runs: admin of each.
        const targets =
          op.action === 'bulk_rerun'
            ? ((op.params.folders as string[]) ?? []).map((folder) => ({ folder: folder || undefined }))
            : [{ folder: op.params.folder as string | undefined, task: op.taskName ?? undefined }];
        const roles = await Promise.all(targets.map((t) => s.operations.roleOf(actor, t)));
        return { op, canApprove: op.requestedBy !== event.user && roles.length > 0 && roles.every((r) => r === 'admin') };
      }),
    );
    const work = buildHomeWork(cards, approvals, event.user, s.studio, s.alerts?.heartbeat.homeNotice());
    const baselines = s.alerts ? baselineHomeBlocks(await s.alerts.baselineWatcher.views()) : [];
    const view: HomeView = {
      type: 'home',
      blocks: [...start, ...work, ...baselines, ...who.blocks, { type: 'divider' }, ...mine.blocks, { type: 'divider' }, ...help.blocks].slice(0, 100),
    };
    await client.views.publish({ user_id: event.user, view });
  });
}
