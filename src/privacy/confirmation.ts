import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { newId } from '../core/ids.js';
import { Problem, problems } from '../core/problem.js';
import { MAIL_RETRIES, type Mailer } from '../mail/mailer.js';
import type { Caller } from '../payments/service.js';
import { enqueueEvent, type OutboxHandler } from '../store/outbox.js';
import { ownTables, type SharedDb, type SharedStore } from '../store/store.js';
import type { PersonalData } from '../vault/personal-data.js';
import { fill, type Locale } from '../web/i18n.js';
import type { PrivacyRequest, RequestKind } from './model.js';
import { registerMessages } from './register-messages.js';
import type { RequestNotices } from './request-notice.js';
import {
  type NewRequest,
  type PrivacyActor,
  type PrivacyService,
  requestRefusal,
  sealedSubject,
} from './service.js';

interface PendingTables {
  privacy_pending_requests: {
    id: string;
    merchant_id: string;
    kind: string;
    subject_email: string;
    corrected_email: string | null;
    note: string | null;
    locale: string;
    token_hash: string | null;
    expires_at: Date;
    created_at: Date;
  };
}

/** Hours the mailed link works; an unconfirmed request is then deleted. */
export const CONFIRM_HOURS = 24;

const MAIL_TOPIC = 'privacy.confirmation_mail';

/** A request waiting for its sender to confirm, as its confirmation page shows it: nothing of the person. */
export interface PendingRequest {
  id: string;
  merchantId: string;
  kind: RequestKind;
  locale: Locale;
  expiresAt: Date;
}

export interface RequestConfirmation {
  /**
   * Keeps a request sent on the public form until the person confirms it, and mails the confirmation
   * link to the address they gave (through the outbox, with the same commit).
   */
  propose(
    shop: { id: string; name: string },
    input: Omit<NewRequest, 'receivedAt' | 'channel'>,
    locale: Locale,
  ): Promise<PendingRequest | Problem>;
  /** The request a link names, while the link works; undefined for a used, expired or wrong link. */
  pending(id: string, token: string): Promise<PendingRequest | undefined>;
  /** Files the request with the shop (channel 'online', received now) and spends the link, in one transaction. */
  confirm(caller: Caller, id: string, token: string, by: PrivacyActor): Promise<PrivacyRequest | Problem>;
  /** Deletes the requests nobody confirmed in time; says how many. */
  deleteExpired(): Promise<number>;
  outboxHandlers: OutboxHandler[];
}

const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * Law 09-08's requests sent online, confirmed by mail: a request can have a shop read out, correct or
 * erase the data held on an address, so it reaches the shop only once whoever holds the address says
 * they sent it. The link's token is made when the mail is sent and only its hash is kept.
 */
export function createRequestConfirmation(deps: {
  store: SharedStore;
  personal: PersonalData;
  privacy: Pick<PrivacyService, 'fileRequest'>;
  mailer: Mailer;
  /** Tells the shop's people (or the officer) that a confirmed request arrived. */
  notices: Pick<RequestNotices, 'queue'>;
  clock: Clock;
  /** Where people reach Tijara, for the link. */
  baseUrl(): string;
}): RequestConfirmation {
  const { store, personal, clock } = deps;
  const tables = (db?: SharedDb) => ownTables<PendingTables>(db ?? store.db);
  const pendingOf = (row: PendingTables['privacy_pending_requests']): PendingRequest => ({
    id: row.id,
    merchantId: row.merchant_id,
    kind: row.kind as RequestKind,
    locale: row.locale as Locale,
    expiresAt: row.expires_at,
  });

  /** Makes the link's token, keeps its hash, and mails the link; a mail sent again spends the one before. */
  async function sendMail(payload: { id: string; shop: string }) {
    const token = randomBytes(24).toString('base64url');
    const row = await tables()
      .updateTable('privacy_pending_requests')
      .set({ token_hash: hashOf(token) })
      .where('id', '=', payload.id)
      .where('expires_at', '>', clock.now())
      .returningAll()
      .executeTakeFirst();
    if (!row) return; // confirmed or expired meanwhile: nothing to send
    const locale = row.locale as Locale;
    const t = registerMessages(locale);
    const link = `${deps.baseUrl()}/privacy/request/confirm?${new URLSearchParams({ id: row.id, token, lang: locale })}`;
    await deps.mailer.send({
      to: (await personal.open(row.subject_email))!,
      subject: fill(t.mailSubject, { shop: payload.shop }),
      text: fill(t.mailBody, {
        shop: payload.shop,
        what: t[`ask_${row.kind as RequestKind}`],
        hours: CONFIRM_HOURS,
        link,
      }),
    });
  }

  return {
    async propose(shop, input, locale) {
      const refused = requestRefusal(input);
      if (refused) return refused;
      const now = clock.now();
      return store.transaction(async (trx) => {
        const row = await tables(trx)
          .insertInto('privacy_pending_requests')
          .values({
            id: newId('dsrp', now.getTime()),
            merchant_id: shop.id,
            kind: input.kind,
            ...(await sealedSubject(personal, input, trx)),
            locale,
            expires_at: new Date(now.getTime() + CONFIRM_HOURS * 3_600_000),
            created_at: now,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        await enqueueEvent(trx, MAIL_TOPIC, { id: row.id, shop: shop.name });
        return pendingOf(row);
      });
    },

    async pending(id, token) {
      const row = await tables()
        .selectFrom('privacy_pending_requests')
        .selectAll()
        .where('id', '=', id)
        .where('token_hash', '=', hashOf(token))
        .where('expires_at', '>', clock.now())
        .executeTakeFirst();
      return row && pendingOf(row);
    },

    async confirm(caller, id, token, by) {
      return store.transaction(async (trx) => {
        // Deleting it is what spends the link: a second confirmation finds nothing.
        const row = await tables(trx)
          .deleteFrom('privacy_pending_requests')
          .where('id', '=', id)
          .where('merchant_id', '=', caller.merchant.id)
          .where('token_hash', '=', hashOf(token))
          .where('expires_at', '>', clock.now())
          .returningAll()
          .executeTakeFirst();
        if (!row) return problems.notFound('confirmation link');
        const filed = await deps.privacy.fileRequest(
          caller,
          {
            kind: row.kind as RequestKind,
            email: (await personal.open(row.subject_email, trx))!,
            correctedEmail: await personal.open(row.corrected_email, trx),
            note: await personal.open(row.note, trx),
            channel: 'online',
          },
          by,
          trx,
        );
        if (!(filed instanceof Problem)) await deps.notices.queue(trx, filed);
        return filed;
      });
    },

    async deleteExpired() {
      const deleted = await tables()
        .deleteFrom('privacy_pending_requests')
        .where('expires_at', '<=', clock.now())
        .executeTakeFirst();
      return Number(deleted.numDeletedRows);
    },

    outboxHandlers: [
      {
        topic: MAIL_TOPIC,
        ...MAIL_RETRIES,
        deliver: (event) => sendMail(event.payload as { id: string; shop: string }),
      },
    ],
  };
}
