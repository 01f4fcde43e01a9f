/** Events API redeliveries: acknowledged (Bolt does that) and not handled a second time. */
import type { Services } from '../../src/services.js';
import type { BoltApp } from '../../src/slack/app.js';

export function registerEventDedupe(app: BoltApp, s: Services): void {
  app.use(async ({ body, next, logger }) => {
    const b = body as { type?: string; event_id?: unknown };
    if (b.type === 'event_callback' && typeof b.event_id === 'string' && !s.seenEvents.firstSeen(b.event_id)) {
      logger.debug(`event ${b.event_id} was already handled; redelivery ignored`);
      return;
    }
    await next();
  });
}
