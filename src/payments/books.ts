import type { CurrencyCode } from '../core/money.js';
import { allShardCodes, createAccountResolver, shardCode } from '../ledger/accounts.js';
import type { LedgerService } from '../ledger/service.js';
import type { SharedDb, SharedStore } from '../store/store.js';

const mode = (livemode: boolean) => (livemode ? 'live' : 'test');

/**
 * The gateway's ledger accounts. Test and live money never share an account, nor do two currencies.
 *  - card holds (asset): what issuers have promised on authorized, uncaptured payments;
 *  - issuer receivable (asset): what each issuer owes after capture;
 *  - merchant pending (liability): authorized for the merchant, not yet captured;
 *  - merchant payable (liability): owed to the merchant (may go negative when refunds outrun sales);
 *  - revenue: Tijara's fees.
 * Each is sharded by payment id (see SHARDS).
 */
export function createGatewayBooks(ledger: LedgerService, store: SharedStore) {
  const accountId = createAccountResolver(ledger, store);
  // Only the payable may go negative: refunds can outrun a day's sales; nothing is owed before capture.
  const merchantAccount =
    (part: 'pending' | 'payable') =>
    (db: SharedDb, livemode: boolean, currency: CurrencyCode, merchantId: string, paymentId: string) =>
      accountId(db, {
        code: shardCode(merchantAccountCode(merchantId, livemode, currency, part), paymentId),
        name: `${merchantId} ${part}`,
        type: 'liability',
        currency,
        ...(part === 'payable' ? { mayGoNegative: true } : {}),
      });
  return {
    cardHolds: (db: SharedDb, livemode: boolean, currency: CurrencyCode, paymentId: string) =>
      accountId(db, {
        code: shardCode(`gw:${mode(livemode)}:${currency}:card-holds`, paymentId),
        name: 'Card holds',
        type: 'asset',
        currency,
      }),
    issuerReceivable: (
      db: SharedDb,
      livemode: boolean,
      currency: CurrencyCode,
      issuerId: string,
      paymentId: string,
    ) =>
      accountId(db, {
        code: shardCode(`gw:${mode(livemode)}:${currency}:receivable:${issuerId}`, paymentId),
        name: `Receivable from ${issuerId}`,
        type: 'asset',
        currency,
        mayGoNegative: true,
      }),
    revenue: (db: SharedDb, livemode: boolean, currency: CurrencyCode, paymentId: string) =>
      accountId(db, {
        code: shardCode(`gw:${mode(livemode)}:${currency}:revenue`, paymentId),
        name: 'Fee revenue',
        type: 'revenue',
        currency,
      }),
    merchantPending: merchantAccount('pending'),
    merchantPayable: merchantAccount('payable'),
  };
}

export function merchantAccountCode(
  merchantId: string,
  livemode: boolean,
  currency: string,
  kind: 'pending' | 'payable',
): string {
  return `mer:${merchantId}:${mode(livemode)}:${currency}:${kind}`;
}

/** Every shard of a merchant's account, to add them up. */
export function merchantAccountCodes(
  merchantId: string,
  livemode: boolean,
  currency: string,
  kind: 'pending' | 'payable',
): string[] {
  return allShardCodes(merchantAccountCode(merchantId, livemode, currency, kind));
}

export type GatewayBooks = ReturnType<typeof createGatewayBooks>;

/** What one payment's postings need to know of it. */
export interface PaymentForBooks {
  id: string;
  livemode: boolean;
  currency: string;
  merchant_id: string;
  issuer_id: string | null;
}

/**
 * The postings of each money movement of a payment, between its accounts (all on its shard):
 *  - hold: card holds ↔ merchant pending;
 *  - release: the reverse of a hold (on capture or cancel);
 *  - sale: issuer receivable → merchant payable, less the fee to revenue;
 *  - refund: merchant payable → issuer receivable.
 */
export function paymentPostings(books: GatewayBooks, db: SharedDb, payment: PaymentForBooks) {
  const currency = payment.currency as CurrencyCode;
  const { livemode, id } = payment;
  const pending = () => books.merchantPending(db, livemode, currency, payment.merchant_id, id);
  const holds = () => books.cardHolds(db, livemode, currency, id);
  const payable = () => books.merchantPayable(db, livemode, currency, payment.merchant_id, id);
  const receivable = () => {
    if (!payment.issuer_id) throw new Error(`payment ${id} has no issuer to owe it`);
    return books.issuerReceivable(db, livemode, currency, payment.issuer_id, id);
  };
  return {
    hold: async (amount: bigint) => [
      { accountId: await holds(), amount },
      { accountId: await pending(), amount: -amount },
    ],
    release: async (amount: bigint) => [
      { accountId: await pending(), amount },
      { accountId: await holds(), amount: -amount },
    ],
    // A fee can take the whole of a tiny payment: a posting of zero is left out, not written.
    sale: async (amount: bigint, fee: bigint) =>
      [
        { accountId: await receivable(), amount },
        { accountId: await payable(), amount: fee - amount },
        { accountId: await books.revenue(db, livemode, currency, id), amount: -fee },
      ].filter((posting) => posting.amount !== 0n),
    refund: async (amount: bigint) => [
      { accountId: await payable(), amount },
      { accountId: await receivable(), amount: -amount },
    ],
  };
}
