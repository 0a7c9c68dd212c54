import type { CurrencyCode } from '../core/money.js';
import { allShardCodes, createAccountResolver, shardCode } from '../ledger/accounts.js';
import type { LedgerService } from '../ledger/service.js';
import type { SharedDb } from '../store/store.js';

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
export function createGatewayBooks(ledger: LedgerService) {
  const accountId = createAccountResolver(ledger);
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
    merchantPending: (
      db: SharedDb,
      livemode: boolean,
      currency: CurrencyCode,
      merchantId: string,
      paymentId: string,
    ) =>
      accountId(db, {
        code: shardCode(merchantAccountCode(merchantId, livemode, currency, 'pending'), paymentId),
        name: `${merchantId} pending`,
        type: 'liability',
        currency,
      }),
    merchantPayable: (
      db: SharedDb,
      livemode: boolean,
      currency: CurrencyCode,
      merchantId: string,
      paymentId: string,
    ) =>
      accountId(db, {
        code: shardCode(merchantAccountCode(merchantId, livemode, currency, 'payable'), paymentId),
        name: `${merchantId} payable`,
        type: 'liability',
        currency,
        mayGoNegative: true,
      }),
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
