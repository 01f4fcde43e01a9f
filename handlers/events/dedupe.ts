/**
 * Redeliveries are acknowledged and not handled a second time: Events API events by their
 * `event_id` (Slack retries an event it thinks was not received), and in Socket Mode any envelope by
 * its `envelope_id` (Slack sends an envelope again when its acknowledgement did not arrive, e.g.
 * because the socket dropped). Both are remembered in the database, so a restart does not forget.
 */
import type { Services } from '../../src/services.js';
import type { BoltApp } from '../../src/slack/app.js';

export function registerEventDedupe(app: BoltApp, s: Services): void {
  app.use(async (args) => {
    const { body, context, next, logger } = args;
    const b = body as { type?: string; event_id?: unknown };
    const envelopeId = (context as { envelopeId?: unknown }).envelopeId;
    if (typeof envelopeId === 'string' && !(await s.firstSeen(`env:${envelopeId}`))) {
      logger.debug(`envelope ${envelopeId} was already handled; redelivery acknowledged and ignored`);
      const ack = (args as { ack?: () => Promise<void> }).ack;
      if (ack) await ack();
      return;
    }
    if (b.type === 'event_callback' && typeof b.event_id === 'string' && !(await s.firstSeen(b.event_id))) {
      logger.debug(`event ${b.event_id} was already handled; redelivery ignored`);
      return;
    }
    await next();
  });
}
