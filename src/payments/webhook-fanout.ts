import { type Expression, sql } from 'kysely';
import { compiledOnce } from '../store/compiled-once.js';
import { insertEventsSelected } from '../store/outbox.js';
import { ownTables, type SharedDb } from '../store/store.js';
import { writeAtCommit } from '../store/write-at-commit.js';
import type { PaymentTables } from './model.js';

/** The outbox topic of one event's delivery to one endpoint. */
export const DELIVERY_TOPIC = 'webhook.delivery';

/** Whether endpoint `w` (enabled, asking for every event or for `type`) wants an event of `type`. */
export const wantsEvent = (type: Expression<string>) =>
  sql<boolean>`(w.disabled_at is null and ('*' = any(w.enabled_events) or ${type} = any(w.enabled_events)))`;

interface EventToDeliver {
  id: string;
  merchantId: string;
  livemode: boolean;
  type: string;
}

/**
 * Queues, with the commit of the caller's transaction, a delivery of the event to each endpoint of its
 * merchant that wants it: those registered when the event happens get it, in the statement that
 * records it, with no step between that could lose or repeat it.
 */
export function queueDeliveriesAtCommit(trx: SharedDb, event: EventToDeliver): Promise<void> {
  return writeAtCommit(trx, deliveriesOf(trx, event), {
    reads: ['webhook_endpoints'],
    // The topic, then deliveriesOf's values in the order they reach its text.
    parameterTypes: ['text', 'text', 'text', 'boolean', 'text'],
  });
}

/** The insert of an event's deliveries: every payment's event makes one, so it is compiled once. */
const deliveriesOf = compiledOnce((db, event: EventToDeliver) =>
  insertEventsSelected(
    db,
    DELIVERY_TOPIC,
    ownTables<PaymentTables>(db)
      .selectFrom('webhook_endpoints as w')
      .where('w.merchant_id', '=', event.merchantId)
      .where('w.livemode', '=', event.livemode)
      .where(wantsEvent(sql.val(event.type)))
      .select(
        sql<unknown>`json_build_object('eventId', ${event.id}::text, 'endpointId', w.id)`.as('payload'),
      ),
  ),
);
