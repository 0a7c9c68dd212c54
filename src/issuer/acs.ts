import { createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { newId } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import { ownTables, type SharedDb, type SharedStore } from '../store/store.js';

export const CHALLENGE_ATTEMPTS = 3;
export const CHALLENGE_LIFETIME_MS = 5 * 60_000;

export interface AcsTables {
  issuer_challenges: {
    id: string;
    payment_id: string;
    bank_id: string;
    card_last4: string;
    code_hash: string;
    attempts: number;
    status: 'pending' | 'authenticated' | 'failed';
    expires_at: Date;
    created_at: Date;
  };
}

export interface Challenge {
  id: string;
  paymentId: string;
  bankId: string;
  cardLast4: string;
  attemptsLeft: number;
  status: 'pending' | 'authenticated' | 'failed';
  expiresAt: Date;
}

/** What a code entry leads to: passed, try again (with attempts left), or failed for good. */
export type ChallengeAnswer =
  | { outcome: 'authenticated'; challenge: Challenge }
  | { outcome: 'retry'; challenge: Challenge }
  | { outcome: 'failed'; reason: 'attempts' | 'expired'; challenge: Challenge }
  | { outcome: 'closed'; challenge: Challenge };

/** A code "sent" to the cardholder; in the demo it lands in this inbox and in the log. */
export interface SentCode {
  challengeId: string;
  bankId: string;
  cardLast4: string;
  code: string;
  sentAt: Date;
}

export interface AccessControlServer {
  startChallenge(
    input: { paymentId: string; bankId: string; cardLast4: string },
    db: SharedDb,
  ): Promise<Challenge>;
  getChallenge(id: string, db?: SharedDb): Promise<Challenge | undefined>;
  answer(id: string, code: string, db: SharedDb): Promise<ChallengeAnswer | undefined>;
  /** The demo inbox: the latest codes sent, newest first. */
  inbox(): SentCode[];
}

export function createAccessControlServer(deps: {
  store: SharedStore;
  clock: Clock;
  logger: Logger;
  /**
   * Whether codes go to the demo inbox (/demo/inbox) and the log: TIJARA_DEMO. Without it a code is
   * never shown anywhere, for anyone who can read a page or a log could then pass the challenge.
   */
  demoInbox: boolean;
}): AccessControlServer {
  const tables = (db?: SharedDb) => ownTables<AcsTables>(db ?? deps.store.db);
  // Codes are hashed under a key that lives only in this process: a stolen table reveals nothing.
  const hashKey = randomBytes(32);
  const hash = (challengeId: string, code: string) =>
    createHmac('sha256', hashKey).update(`${challengeId}:${code}`).digest('hex');
  const sent: SentCode[] = [];

  const toChallenge = (row: AcsTables['issuer_challenges']): Challenge => ({
    id: row.id,
    paymentId: row.payment_id,
    bankId: row.bank_id,
    cardLast4: row.card_last4,
    attemptsLeft: Math.max(0, CHALLENGE_ATTEMPTS - row.attempts),
    status: row.status,
    expiresAt: row.expires_at,
  });

  return {
    async startChallenge(input, db) {
      const id = newId('ch');
      const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
      const now = deps.clock.now();
      const row = await tables(db)
        .insertInto('issuer_challenges')
        .values({
          id,
          payment_id: input.paymentId,
          bank_id: input.bankId,
          card_last4: input.cardLast4,
          code_hash: hash(id, code),
          attempts: 0,
          status: 'pending',
          expires_at: new Date(now.getTime() + CHALLENGE_LIFETIME_MS),
          created_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      if (deps.demoInbox) {
        sent.unshift({
          challengeId: id,
          bankId: input.bankId,
          cardLast4: input.cardLast4,
          code,
          sentAt: now,
        });
        sent.length = Math.min(sent.length, 50);
        deps.logger.info(
          { challengeId: id, cardLast4: input.cardLast4, demoCode: code },
          '3-D Secure code sent (demo inbox)',
        );
      } else {
        // The built-in issuer has no channel to the cardholder (an SMS gateway) outside the demo.
        deps.logger.warn(
          { challengeId: id, cardLast4: input.cardLast4 },
          '3-D Secure code made, but the built-in issuer has no way to send it outside the demo (TIJARA_DEMO)',
        );
      }
      return toChallenge(row);
    },

    async getChallenge(id, db) {
      const row = await tables(db)
        .selectFrom('issuer_challenges')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return row && toChallenge(row);
    },

    async answer(id, code, db) {
      const row = await tables(db)
        .selectFrom('issuer_challenges')
        .selectAll()
        .where('id', '=', id)
        .forUpdate()
        .executeTakeFirst();
      if (!row) return undefined;
      if (row.status !== 'pending') return { outcome: 'closed', challenge: toChallenge(row) };
      const close = async (status: 'authenticated' | 'failed', attempts: number) =>
        toChallenge(
          await tables(db)
            .updateTable('issuer_challenges')
            .set({ status, attempts })
            .where('id', '=', id)
            .returningAll()
            .executeTakeFirstOrThrow(),
        );
      if (deps.clock.now() >= row.expires_at)
        return { outcome: 'failed', reason: 'expired', challenge: await close('failed', row.attempts) };
      const expected = Buffer.from(row.code_hash, 'hex');
      const given = Buffer.from(hash(id, code.trim()), 'hex');
      if (timingSafeEqual(expected, given))
        return { outcome: 'authenticated', challenge: await close('authenticated', row.attempts + 1) };
      const attempts = row.attempts + 1;
      if (attempts >= CHALLENGE_ATTEMPTS)
        return { outcome: 'failed', reason: 'attempts', challenge: await close('failed', attempts) };
      const updated = await tables(db)
        .updateTable('issuer_challenges')
        .set({ attempts })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow();
      return { outcome: 'retry', challenge: toChallenge(updated) };
    },

    inbox: () => [...sent],
  };
}
