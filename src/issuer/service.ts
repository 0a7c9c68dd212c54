import { randomInt } from 'node:crypto';
import { sql } from 'kysely';
import { panDisplay } from '../core/card.js';
import type { Clock } from '../core/clock.js';
import { newId } from '../core/ids.js';
import type { MinorUnits } from '../core/money.js';
import type { ResponseCode } from '../core/response-codes.js';
import { moroccanDate, moroccanYear } from '../core/time.js';
import { createAccountResolver, shardCode } from '../ledger/accounts.js';
import { isLedgerError } from '../ledger/errors.js';
import { lockedAccountsSql } from '../ledger/locks.js';
import type { Posting } from '../ledger/model.js';
import type { LedgerService } from '../ledger/service.js';
import { compiledOnce } from '../store/compiled-once.js';
import { inTransaction, ownTables, type SharedDb, type SharedStore } from '../store/store.js';
import { holdInsert } from '../store/write-at-commit.js';
import { type PersonalData, RESEAL_BATCH, resealInBatches } from '../vault/personal-data.js';
import { isSealedSecret } from '../vault/service.js';
import { type CardRow, type CardStatus, type IssuerCard, type IssuerTables, toCard } from './model.js';

/** Why the card itself refuses this authorization, before any limit: undefined if it does not. */
function cardRefusal(
  card: CardRow,
  message: AuthorizationMessage,
  day: string,
  year: number,
): ResponseCode | undefined {
  if (card.status === 'blocked' || card.status === 'lost') return '62';
  const expiredByDate =
    card.exp_year < year || (card.exp_year === year && card.exp_month < Number(day.slice(5, 7)));
  if (
    card.status === 'expired' ||
    expiredByDate ||
    card.exp_month !== message.expMonth ||
    card.exp_year !== message.expYear
  ) {
    return '54';
  }
  if (message.international && !card.international_enabled) return '57';
  if (card.requires_3ds && !message.authenticated) return '1A';
  return undefined;
}

/** What the switch sends the issuer for one authorization; amounts are in MAD centimes. */
export interface AuthorizationMessage {
  reference: string;
  pan: string;
  expMonth: number;
  expYear: number;
  amount: MinorUnits;
  /** Authorize and capture at once (a sale) rather than place a hold. */
  capture: boolean;
  /** A Moroccan card at a merchant abroad: consumes the yearly allowance. */
  international: boolean;
  /** The cardholder passed 3-D Secure for this payment. */
  authenticated: boolean;
}

export interface IssuerAnswer {
  code: ResponseCode;
  authCode?: string;
}

/** What the network may know of a card before it authorizes. */
export interface CardProfile {
  cardId: string;
  internationalEnabled: boolean;
  allowanceLeft: MinorUnits;
  requires3ds: boolean;
}

export interface NewCard {
  bankId: string;
  accountId: string;
  pan: string;
  expMonth: number;
  expYear: number;
  holderName: string;
  status?: CardStatus;
  dailyLimit?: MinorUnits;
  international?: boolean;
  internationalAllowance?: MinorUnits;
  requires3ds?: boolean;
}

export interface IssuerService {
  /** Opens a cardholder account with an opening balance, in MAD centimes. */
  openAccount(
    input: { bankId: string; holderName: string; openingBalance: MinorUnits },
    db?: SharedDb,
  ): Promise<string>;
  accountBalance(accountId: string, db?: SharedDb): Promise<MinorUnits | undefined>;
  issueCard(card: NewCard, db?: SharedDb): Promise<IssuerCard>;
  getCard(cardId: string, db?: SharedDb): Promise<IssuerCard | undefined>;
  findCards(
    bankId: string,
    query: { last4: string; accountId?: string },
    db?: SharedDb,
  ): Promise<IssuerCard[]>;
  setCardStatus(cardId: string, status: CardStatus, db?: SharedDb): Promise<void>;
  /**
   * Seals in place the holder names an earlier version kept in clear (law 09-08); safe to run twice.
   * Returns how many accounts and cards it read.
   */
  sealStoredHolderNames(): Promise<number>;
  setInternational(cardId: string, enabled: boolean, db?: SharedDb): Promise<void>;
  allowanceLeft(cardId: string, year: number, db?: SharedDb): Promise<MinorUnits>;

  // The authorization path, called by the switch inside its transaction.
  cardProfile(bankId: string, pan: string, at: Date, db: SharedDb): Promise<CardProfile | undefined>;
  authorize(bankId: string, message: AuthorizationMessage, db: SharedDb): Promise<IssuerAnswer>;
  capture(reference: string, amount: MinorUnits, db: SharedDb): Promise<void>;
  release(reference: string, db: SharedDb): Promise<void>;
  refund(reference: string, amount: MinorUnits, db: SharedDb): Promise<void>;
  /** Undoes an authorization whose answer the network lost: releases a hold, refunds a sale; idempotent. */
  reverse(reference: string, db: SharedDb): Promise<void>;
}

export const DEFAULT_DAILY_LIMIT = 2_000_000n; // 20,000 MAD
export const DEFAULT_INTERNATIONAL_ALLOWANCE = 2_000_000n; // 20,000 MAD a calendar year for a resident card

export function bankAccountCodes(bankId: string) {
  return {
    holds: `bank:${bankId}:holds`,
    network: `bank:${bankId}:network`,
    funding: `bank:${bankId}:funding`,
    cardholder: (accountId: string) => `bank:${bankId}:cardholder:${accountId}`,
  };
}

/**
 * The card locked with its account's ledger balance, and the day's spending added if it fits the
 * card's daily limit (`spent`): one statement, every authorization's first. Compiled once.
 */
const cardLockedAndSpent = compiledOnce(
  (_db, v: { bankId: string; fingerprint: string; day: string; amount: MinorUnits }) =>
    sql<CardRow & { ledger_account_id: string; spent: boolean; available: MinorUnits }>`
      with card as materialized (
        select c.*, a.ledger_account_id
          from issuer_cards c join issuer_accounts a on a.id = c.account_id
         -- By the fingerprint's unique index alone, the bank checked on the row (IS NOT DISTINCT FROM
         -- is no index condition): planned while a bank had few cards (PGlite never analyzes), the
         -- plan went by (bank_id, last4) and read every card of the bank at every authorization.
         where c.pan_fingerprint = ${v.fingerprint} and c.bank_id is not distinct from ${v.bankId}
           for update of c
      ), accounts as materialized (
        ${lockedAccountsSql([sql`(select ledger_account_id from card)`])}
      ), spending as (
        insert into issuer_daily_usage as u (card_id, day, used)
        select id, ${v.day}::date, ${v.amount}::bigint from card where ${v.amount}::bigint <= daily_limit
        on conflict (card_id, day) do update set used = u.used + excluded.used
         where u.used + excluded.used <= (select daily_limit from card)
        returning used
      )
      select card.*, exists (select 1 from spending) as spent,
             -- A cardholder's account is the bank's liability: what they have is credits minus debits.
             (select -net from accounts where id = card.ledger_account_id) as available
        from card`,
);

const cardholderAccountName = (accountId: string) => `cardholder account ${accountId}`;

export function createIssuerService(deps: {
  store: SharedStore;
  ledger: LedgerService;
  clock: Clock;
  fingerprint: (pan: string, db?: SharedDb) => Promise<string>;
  /** Seals the cardholders' names at rest (law 09-08); they are opened for the bank's own pages only. */
  personal: PersonalData;
}): IssuerService {
  const { ledger, clock, personal } = deps;

  /**
   * Seals the holder names of one table stored in clear, each in a transaction with `also` (of the
   * row's id). Both tables key by `id` and name by `holder_name`, so one query serves for both.
   */
  const sealHolderNamesOf = (
    table: 'issuer_accounts' | 'issuer_cards',
    also?: (id: string, trx: SharedDb) => Promise<void>,
  ) =>
    resealInBatches(
      '',
      (after) =>
        tables()
          .selectFrom(table as 'issuer_cards')
          .select(['id', 'holder_name'])
          .where('id', '>', after)
          .orderBy('id')
          .limit(RESEAL_BATCH)
          .execute(),
      (row) => row.id,
      async (row) => {
        if (isSealedSecret(row.holder_name)) return;
        await deps.store.transaction(async (trx) => {
          await also?.(row.id, trx);
          await tables(trx)
            .updateTable(table as 'issuer_cards')
            .set({ holder_name: (await personal.seal(row.holder_name, trx))! })
            .where('id', '=', row.id)
            .where('holder_name', '=', row.holder_name)
            .execute();
        });
      },
    );
  const cardOf = async (row: CardRow, db?: SharedDb) =>
    toCard({ ...row, holder_name: (await personal.open(row.holder_name, db))! });
  const tables = (db?: SharedDb) => ownTables<IssuerTables>(db ?? deps.store.db);
  const accountId = createAccountResolver(ledger, deps.store);

  /**
   * The bank's own ledger accounts. Holds and what is owed to the network move with every payment, so
   * they are sharded by the authorization's reference (its hold, capture and refund share a shard).
   */
  async function booksOf(bankId: string, reference: string, db: SharedDb) {
    const codes = bankAccountCodes(bankId);
    return {
      holds: await accountId(db, {
        code: shardCode(codes.holds, reference),
        name: `${bankId} card holds`,
        type: 'liability',
        currency: 'MAD',
      }),
      network: await accountId(db, {
        code: shardCode(codes.network, reference),
        name: `${bankId} owed to the network`,
        type: 'liability',
        currency: 'MAD',
        mayGoNegative: true,
      }),
      funding: await accountId(db, {
        code: codes.funding,
        name: `${bankId} deposits funding`,
        type: 'equity',
        currency: 'MAD',
        mayGoNegative: true,
      }),
    };
  }

  async function post(db: SharedDb, externalRef: string, description: string, postings: Posting[]) {
    const result = await ledger.post(
      { externalRef, description, currency: 'MAD', postings: postings.filter((p) => p.amount !== 0n) },
      db,
    );
    if (isLedgerError(result)) throw new Error(`issuer ledger entry ${externalRef} refused: ${result}`);
  }

  /**
   * The authorization, locked, with its card's row locked too: the row every authorization of the
   * card starts with (the card's statement), so that a capture, release or refund waits for the
   * card's authorizations under way instead of crossing them. Taken after the cardholder's account
   * (the entry) and the day's spending (giving back), it deadlocked with a confirmation on the same
   * card, which takes them the other way, again and again, a second each (PostgreSQL's
   * deadlock_timeout), until a confirmation waited past its issuer's timeout and failed 91.
   */
  async function loadAuthorization(reference: string, db: SharedDb) {
    return tables(db)
      .selectFrom('issuer_authorizations as a')
      .innerJoin('issuer_cards as c', 'c.id', 'a.card_id')
      .innerJoin('issuer_accounts as acc', 'acc.id', 'c.account_id')
      .selectAll('a')
      .select(['c.bank_id', 'acc.ledger_account_id'])
      .where('a.reference', '=', reference)
      .forUpdate(['a', 'c'])
      .executeTakeFirst();
  }

  async function giveBackDailyUsage(
    db: SharedDb,
    auth: { card_id: string; day: string },
    amount: MinorUnits,
  ) {
    if (amount <= 0n) return;
    await tables(db)
      .updateTable('issuer_daily_usage')
      .set((eb) => ({ used: eb('used', '-', amount) }))
      .where('card_id', '=', auth.card_id)
      .where('day', '=', auth.day)
      .execute();
  }

  async function giveBackAllowance(
    db: SharedDb,
    auth: { card_id: string; year: number; international: boolean },
    amount: MinorUnits,
  ) {
    if (amount <= 0n || !auth.international) return;
    await tables(db)
      .updateTable('issuer_allowance_usage')
      .set((eb) => ({ used: eb('used', '-', amount) }))
      .where('card_id', '=', auth.card_id)
      .where('year', '=', auth.year)
      .execute();
  }

  /** What an unspent hold gives back: the day's spending and the year's allowance. */
  async function giveBack(
    db: SharedDb,
    auth: Parameters<typeof giveBackDailyUsage>[1] & Parameters<typeof giveBackAllowance>[1],
    amount: MinorUnits,
  ) {
    await giveBackDailyUsage(db, auth, amount);
    await giveBackAllowance(db, auth, amount);
  }

  /**
   * The card, locked (which serializes its authorizations), with the day's spending added to in the
   * same statement unless that would pass its daily limit: a conditional upsert, atomic, and a round
   * trip fewer than asking first. `spent` says whether it was added; the caller gives it back if the
   * authorization goes no further. The statement also locks the cardholder's ledger account and
   * reads what the cardholder has (`available`): the entry can then be written with the commit, on a
   * balance nobody else can change before it. The account the entry credits is not locked here: no
   * check reads it, and it is a hot shard that the group committing before this one may hold
   * (group-commit.ts, Lane); the posting trigger updates it at the commit.
   */
  async function lockCardAndSpend(
    bankId: string,
    pan: string,
    day: string,
    amount: MinorUnits,
    db: SharedDb,
  ) {
    const fingerprint = await deps.fingerprint(pan, db);
    const found = await db.executeQuery(cardLockedAndSpent(db, { bankId, fingerprint, day, amount }));
    return found.rows[0];
  }

  /** Adds to the year's international spending unless that would pass the allowance. */
  async function consumeAllowance(
    db: SharedDb,
    cardId: string,
    year: number,
    amount: MinorUnits,
    allowance: MinorUnits,
  ) {
    if (amount > allowance) return false;
    const row = await tables(db)
      .insertInto('issuer_allowance_usage')
      .values({ card_id: cardId, year, used: amount })
      .onConflict((oc) =>
        oc
          .columns(['card_id', 'year'])
          .doUpdateSet((eb) => ({ used: eb('issuer_allowance_usage.used', '+', amount) }))
          .where((eb) => eb(eb('issuer_allowance_usage.used', '+', amount), '<=', allowance)),
      )
      .returning('used')
      .executeTakeFirst();
    return row !== undefined;
  }

  async function allowanceUsed(cardId: string, year: number, db: SharedDb) {
    const row = await tables(db)
      .selectFrom('issuer_allowance_usage')
      .select('used')
      .where('card_id', '=', cardId)
      .where('year', '=', year)
      .executeTakeFirst();
    return row?.used ?? 0n;
  }

  async function release(reference: string, db: SharedDb) {
    const auth = await loadAuthorization(reference, db);
    if (auth?.status !== 'held') return;
    const books = await booksOf(auth.bank_id, reference, db);
    await post(db, `iss:${reference}:release`, 'hold released', [
      { accountId: books.holds, amount: auth.amount },
      { accountId: auth.ledger_account_id, amount: -auth.amount },
    ]);
    await giveBack(db, auth, auth.amount);
    await tables(db)
      .updateTable('issuer_authorizations')
      .set({ status: 'released' })
      .where('id', '=', auth.id)
      .execute();
  }

  async function refund(reference: string, amount: MinorUnits, db: SharedDb) {
    const auth = await loadAuthorization(reference, db);
    if (auth?.status !== 'captured') throw new Error(`no captured authorization ${reference} to refund`);
    if (auth.refunded + amount > auth.captured)
      throw new Error(`refund of ${reference} exceeds what was captured`);
    const books = await booksOf(auth.bank_id, reference, db);
    await post(db, `iss:${reference}:refund:${auth.refunded + amount}`, 'refund', [
      { accountId: books.network, amount },
      { accountId: auth.ledger_account_id, amount: -amount },
    ]);
    // A refund restores the allowance, not the daily limit: the spending did happen that day.
    await giveBackAllowance(db, auth, amount);
    await tables(db)
      .updateTable('issuer_authorizations')
      .set({ refunded: auth.refunded + amount })
      .where('id', '=', auth.id)
      .execute();
  }

  return {
    openAccount(input, db) {
      return inTransaction(deps.store, db, async (trx) => {
        const id = newId('ica');
        const books = await booksOf(input.bankId, id, trx);
        const account = await ledger.createAccount(
          {
            code: bankAccountCodes(input.bankId).cardholder(id),
            // The ledger names accounts in clear: the cardholder's account is named by its id, not its holder.
            name: cardholderAccountName(id),
            type: 'liability',
            currency: 'MAD',
          },
          trx,
        );
        await tables(trx)
          .insertInto('issuer_accounts')
          .values({
            id,
            bank_id: input.bankId,
            holder_name: (await personal.seal(input.holderName, trx))!,
            ledger_account_id: account.id,
          })
          .execute();
        if (input.openingBalance > 0n) {
          await post(trx, `iss:open:${id}`, 'opening deposit', [
            { accountId: books.funding, amount: input.openingBalance },
            { accountId: account.id, amount: -input.openingBalance },
          ]);
        }
        return id;
      });
    },

    async accountBalance(accountId, db) {
      const row = await tables(db)
        .selectFrom('issuer_accounts')
        .select('ledger_account_id')
        .where('id', '=', accountId)
        .executeTakeFirst();
      if (!row) return undefined;
      return (await ledger.getAccount(row.ledger_account_id, db))?.balance;
    },

    async issueCard(card, db) {
      const { bin, last4 } = panDisplay(card.pan);
      const row = await tables(db)
        .insertInto('issuer_cards')
        .values({
          id: newId('card'),
          bank_id: card.bankId,
          account_id: card.accountId,
          pan_fingerprint: await deps.fingerprint(card.pan, db),
          bin,
          last4,
          exp_month: card.expMonth,
          exp_year: card.expYear,
          holder_name: (await personal.seal(card.holderName, db))!,
          status: card.status ?? 'active',
          daily_limit: card.dailyLimit ?? DEFAULT_DAILY_LIMIT,
          international_enabled: card.international ?? false,
          international_approved_at: card.international ? clock.now() : null,
          international_allowance: card.internationalAllowance ?? DEFAULT_INTERNATIONAL_ALLOWANCE,
          requires_3ds: card.requires3ds ?? false,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return { ...toCard(row), holderName: card.holderName };
    },

    async getCard(cardId, db) {
      const row = await tables(db)
        .selectFrom('issuer_cards')
        .selectAll()
        .where('id', '=', cardId)
        .executeTakeFirst();
      return row && cardOf(row, db);
    },

    async findCards(bankId, query, db) {
      const rows = await tables(db)
        .selectFrom('issuer_cards')
        .selectAll()
        .where('bank_id', '=', bankId)
        .where('last4', '=', query.last4)
        .$if(query.accountId !== undefined, (q) => q.where('account_id', '=', query.accountId!))
        .orderBy('created_at')
        .execute();
      return Promise.all(rows.map((row) => cardOf(row, db)));
    },

    async sealStoredHolderNames() {
      // The cardholder's ledger account was named after them too: it takes its id instead.
      const renameLedgerAccount = async (id: string, trx: SharedDb) => {
        const account = await tables(trx)
          .selectFrom('issuer_accounts')
          .select('ledger_account_id')
          .where('id', '=', id)
          .executeTakeFirstOrThrow();
        await ledger.renameAccount(account.ledger_account_id, cardholderAccountName(id), trx);
      };
      return (
        (await sealHolderNamesOf('issuer_accounts', renameLedgerAccount)) +
        (await sealHolderNamesOf('issuer_cards'))
      );
    },

    async setCardStatus(cardId, status, db) {
      await tables(db).updateTable('issuer_cards').set({ status }).where('id', '=', cardId).execute();
    },

    async setInternational(cardId, enabled, db) {
      await tables(db)
        .updateTable('issuer_cards')
        .set({ international_enabled: enabled, international_approved_at: enabled ? clock.now() : null })
        .where('id', '=', cardId)
        .execute();
    },

    async allowanceLeft(cardId, year, db) {
      const card = await tables(db)
        .selectFrom('issuer_cards')
        .select('international_allowance')
        .where('id', '=', cardId)
        .executeTakeFirstOrThrow();
      const left = card.international_allowance - (await allowanceUsed(cardId, year, db ?? deps.store.db));
      return left > 0n ? left : 0n;
    },

    async cardProfile(bankId, pan, at, db) {
      // By the fingerprint alone, the bank checked here: see cardLockedAndSpent.
      const card = await tables(db)
        .selectFrom('issuer_cards')
        .selectAll()
        .where('pan_fingerprint', '=', await deps.fingerprint(pan, db))
        .executeTakeFirst();
      if (card?.bank_id !== bankId) return undefined;
      const used = card.international_enabled ? await allowanceUsed(card.id, moroccanYear(at), db) : 0n;
      const left = card.international_allowance - used;
      return {
        cardId: card.id,
        internationalEnabled: card.international_enabled,
        allowanceLeft: left > 0n ? left : 0n,
        requires3ds: card.requires_3ds,
      };
    },

    async authorize(bankId, message, db) {
      const now = clock.now();
      const day = moroccanDate(now);
      const year = moroccanYear(now);
      // Limits and allowance are checked and consumed atomically, on the locked card's counters, and
      // given back if the authorization goes no further.
      const card = await lockCardAndSpend(bankId, message.pan, day, message.amount, db);
      if (!card) return { code: '14' };
      const spend = { card_id: card.id, day, year, international: message.international };
      const refusal = cardRefusal(card, message, day, year);
      if (refusal) {
        if (card.spent) await giveBackDailyUsage(db, spend, message.amount);
        return { code: refusal };
      }
      if (!card.spent) return { code: '61' };
      if (
        message.international &&
        !(await consumeAllowance(db, card.id, year, message.amount, card.international_allowance))
      ) {
        await giveBackDailyUsage(db, spend, message.amount);
        return { code: '61' };
      }
      if (card.available < message.amount) {
        await giveBack(db, spend, message.amount);
        return { code: '51' };
      }
      // The cardholder's account is locked since the card's statement, and the balance is enough: the
      // entry goes with the commit (the posting trigger would still refuse a negative balance).
      const books = await booksOf(bankId, message.reference, db);
      const counterAccountId = message.capture ? books.network : books.holds;
      const entry = await ledger.postAtCommit(
        {
          externalRef: `iss:${message.reference}:auth`,
          description: message.capture ? 'card sale' : 'card hold',
          currency: 'MAD',
          postings: [
            { accountId: card.ledger_account_id, amount: message.amount },
            { accountId: counterAccountId, amount: -message.amount },
          ],
        },
        db,
        { balancesLocked: true },
      );
      if (isLedgerError(entry)) {
        await giveBack(db, spend, message.amount);
        return { code: '96' };
      }
      const authCode = String(randomInt(0, 1_000_000)).padStart(6, '0');
      await holdInsert(tables(db), 'issuer_authorizations', {
        id: newId('iau'),
        reference: message.reference,
        card_id: card.id,
        amount: message.amount,
        captured: message.capture ? message.amount : 0n,
        status: message.capture ? 'captured' : 'held',
        international: message.international,
        day,
        year,
        auth_code: authCode,
      });
      return { code: '00', authCode };
    },

    async capture(reference, amount, db) {
      const auth = await loadAuthorization(reference, db);
      if (auth?.status !== 'held') throw new Error(`no held authorization ${reference} to capture`);
      if (amount <= 0n || amount > auth.amount)
        throw new Error(`capture of ${amount} outside the hold of ${auth.amount}`);
      const books = await booksOf(auth.bank_id, reference, db);
      await post(db, `iss:${reference}:capture`, 'capture', [
        { accountId: books.holds, amount: auth.amount },
        { accountId: books.network, amount: -amount },
        { accountId: auth.ledger_account_id, amount: amount - auth.amount },
      ]);
      await giveBack(db, auth, auth.amount - amount);
      await tables(db)
        .updateTable('issuer_authorizations')
        .set({ status: 'captured', captured: amount })
        .where('id', '=', auth.id)
        .execute();
    },

    release,
    refund,

    async reverse(reference, db) {
      const auth = await loadAuthorization(reference, db);
      if (!auth) return;
      if (auth.status === 'held') await release(reference, db);
      else if (auth.status === 'captured' && auth.captured > auth.refunded) {
        await refund(reference, auth.captured - auth.refunded, db);
      }
      await tables(db)
        .updateTable('issuer_authorizations')
        .set({ status: 'reversed' })
        .where('id', '=', auth.id)
        .execute();
    },
  };
}
