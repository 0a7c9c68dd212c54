import { can, type Permission } from '../auth/permissions.js';
import type { AuthService } from '../auth/service.js';
import type { Clock } from '../core/clock.js';
import type { Mailer } from '../mail/mailer.js';
import { MAIL_RETRIES } from '../mail/mailer.js';
import { consoleClosed } from '../merchants/model.js';
import type { MerchantService } from '../merchants/service.js';
import { enqueueEvent, type OutboxHandler } from '../store/outbox.js';
import type { SharedDb, SharedStore } from '../store/store.js';
import { fill, formatMoroccanTime, type Locale } from '../web/i18n.js';
import { privacyMessages } from './messages.js';
import type { PrivacyRequest } from './model.js';
import type { PrivacyService } from './service.js';

const NOTICE_TOPIC = 'privacy.request_notice';
// The console's people have no language of their own yet: French, the language of Moroccan commerce online.
const NOTICE_LOCALE: Locale = 'fr';

/** A reminder goes this long before a request falls due (30 days after its arrival by default). */
export const REMIND_BEFORE_MS = 7 * 86_400_000;

/** Why the answerers are written to: a request arrived online, or one is due soon and still open. */
type NoticeKind = 'arrived' | 'due_soon';
interface NoticePayload {
  requestId: string;
  merchantId: string;
  kind: NoticeKind;
}

export interface RequestNotices {
  /** Queues, with the caller's commit, the mails telling who answers the merchant's requests that this one arrived. */
  queue(trx: SharedDb, request: Pick<PrivacyRequest, 'id' | 'merchantId'>): Promise<void>;
  /**
   * Queues a reminder for each live request still open `REMIND_BEFORE_MS` before it falls due, once
   * each (recorded or sent online alike); says how many.
   */
  remindDueSoon(): Promise<number>;
  outboxHandlers: OutboxHandler[];
}

/**
 * A request sent online reaches a shop that may not open its console for weeks, and law 09-08's clock
 * runs from its arrival: the shop's people who answer requests get a mail (nothing of the person in it,
 * only the kind, the due date and the console's link), or, when the shop is suspended, the supervising
 * authority's data protection officers, who answer in its place. A week before any open request falls
 * due, they are reminded.
 */
export function createRequestNotices(deps: {
  auth: Pick<AuthService, 'listOrganisations' | 'listUsers' | 'supervisingOrganisation'>;
  merchants: Pick<MerchantService, 'getMerchant'>;
  privacy: Pick<PrivacyService, 'requestStanding' | 'takeDueForReminder'>;
  store: SharedStore;
  clock: Clock;
  mailer: Mailer;
  baseUrl(): string;
}): RequestNotices {
  const queue = (trx: SharedDb, payload: NoticePayload) => enqueueEvent(trx, NOTICE_TOPIC, payload);

  async function sendNotices(payload: NoticePayload) {
    const merchant = await deps.merchants.getMerchant(payload.merchantId);
    const request = await deps.privacy.requestStanding(
      { merchantId: payload.merchantId, livemode: true },
      payload.requestId,
    );
    if (!merchant || request?.status !== 'open') return; // answered meanwhile: nothing to say
    const t = privacyMessages(NOTICE_LOCALE);
    const closed = consoleClosed(merchant.status);
    const organisation = closed
      ? await deps.auth.supervisingOrganisation()
      : (await deps.auth.listOrganisations('merchant')).find((o) => o.merchantId === merchant.id);
    const permission: Permission = closed ? 'privacy.manage' : 'privacy.requests';
    const recipients = organisation
      ? (await deps.auth.listUsers(organisation.id)).filter((user) => can(user, organisation, permission))
      : [];
    const path = closed
      ? `/console/data-protection/merchants/${merchant.id}/requests/${request.id}`
      : `/console/privacy/${request.id}`;
    const values = {
      shop: merchant.name,
      kind: t[`kind_${request.kind}`],
      date: formatMoroccanTime(request.dueAt, NOTICE_LOCALE, { dateStyle: 'long' }),
      link: `${deps.baseUrl()}${path}?lang=${NOTICE_LOCALE}`,
    };
    const reminder = payload.kind === 'due_soon';
    const subject = fill(reminder ? t.reminderSubject : t.noticeSubject, values);
    const text = fill(reminder ? t.reminderBody : closed ? t.noticeBodyClosed : t.noticeBody, values);
    // One after another: a refusal part-way sends the rest, and the ones before, again; a person told
    // twice is better than one not told.
    for (const person of recipients) await deps.mailer.send({ to: person.email, subject, text });
  }

  return {
    queue: (trx, request) =>
      queue(trx, { requestId: request.id, merchantId: request.merchantId, kind: 'arrived' }),
    remindDueSoon: () =>
      deps.store.transaction(async (trx) => {
        const due = await deps.privacy.takeDueForReminder(
          new Date(deps.clock.now().getTime() + REMIND_BEFORE_MS),
          trx,
        );
        for (const request of due)
          await queue(trx, { requestId: request.id, merchantId: request.merchantId, kind: 'due_soon' });
        return due.length;
      }),
    outboxHandlers: [
      {
        topic: NOTICE_TOPIC,
        ...MAIL_RETRIES,
        deliver: (event) => sendNotices(event.payload as NoticePayload),
      },
    ],
  };
}
