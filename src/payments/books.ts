import type { CurrencyCode } from '../core/money.js';
import type { Account } from '../ledger/model.js';
import type { LedgerService } from '../ledger/service.js';
import type { SharedDb } from '../store/store.js';

type Mode = 'live' | 'test';

/**
 * The gateway's ledger accounts. Test and live money never share an account, nor do two currencies.
 *  - card holds (asset): what issuers have promised on authorized, uncaptured payments;
 *  - issuer receivable (asset): what each issuer owes after capture;
 *  - merchant pending (liability): authorized for the merchant, not yet captured;
 *  - merchant payable (liability): owed to the merchant (may go negative when refunds outrun sales);
 *  - revenue: Tijara's fees.
 */
export function createGatewayBooks(ledger: LedgerService) {
  const known = new Map<string, string>();

  async function account(
    db: SharedDb,
    code: string,
    spec: Omit<Parameters<LedgerService['ensureAccount']>[0], 'code'>,
  ): Promise<string> {
    const cached = known.get(code);
    if (cached) return cached;
    const created: Account = await ledger.ensureAccount({ code, ...spec }, db);
    known.set(code, created.id);
    return created.id;
  }

  const mode = (livemode: boolean): Mode => (livemode ? 'live' : 'test');

  return {
    cardHolds: (db: SharedDb, livemode: boolean, currency: CurrencyCode) =>
      account(db, `gw:${mode(livemode)}:${currency}:card-holds`, {
        name: 'Card holds',
        type: 'asset',
        currency,
      }),
    issuerReceivable: (db: SharedDb, livemode: boolean, currency: CurrencyCode, issuerId: string) =>
      account(db, `gw:${mode(livemode)}:${currency}:receivable:${issuerId}`, {
        name: `Receivable from ${issuerId}`,
        type: 'asset',
        currency,
        mayGoNegative: true,
      }),
    revenue: (db: SharedDb, livemode: boolean, currency: CurrencyCode) =>
      account(db, `gw:${mode(livemode)}:${currency}:revenue`, {
        name: 'Fee revenue',
        type: 'revenue',
        currency,
      }),
    merchantPending: (db: SharedDb, livemode: boolean, currency: CurrencyCode, merchantId: string) =>
      account(db, merchantAccountCode(merchantId, livemode, currency, 'pending'), {
        name: `${merchantId} pending`,
        type: 'liability',
        currency,
      }),
    merchantPayable: (db: SharedDb, livemode: boolean, currency: CurrencyCode, merchantId: string) =>
      account(db, merchantAccountCode(merchantId, livemode, currency, 'payable'), {
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
  return `mer:${merchantId}:${livemode ? 'live' : 'test'}:${currency}:${kind}`;
}

export type GatewayBooks = ReturnType<typeof createGatewayBooks>;
