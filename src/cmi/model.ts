import type { ColumnType, Generated, Selectable } from 'kysely';
import type { Locale } from '../web/i18n.js';

export type TranType = 'Auth' | 'PreAuth';

/**
 * What became of the server-to-server callback: not yet acknowledged, acknowledged (`APPROVED`),
 * acknowledged with a capture request that was honoured (`ACTION=POSTAUTH`), or given up.
 */
export type CallbackStatus = 'pending' | 'approved' | 'postauth' | 'failed';

/** Fields as a shop posts them and as they go back to it: names to text. */
export type CmiFields = Record<string, string>;

type Json<T> = ColumnType<T, string, string>;

export interface CmiTables {
  cmi_stores: {
    merchant_id: string;
    client_id: string;
    store_key_sealed: string;
    livemode: Generated<boolean>;
    created_at: Generated<Date>;
  };
  cmi_orders: {
    payment_id: string;
    merchant_id: string;
    client_id: string;
    oid: string;
    tran_type: TranType;
    fields: Json<CmiFields>;
    ok_url: string;
    fail_url: string;
    callback_url: string;
    lang: Locale;
    response: ColumnType<CmiFields | null, string | null, string | null>;
    completed_at: Date | null;
    callback_status: Generated<CallbackStatus>;
    callback_attempts: Generated<number>;
    callback_lease_until: Date | null;
    callback_last_error: string | null;
    created_at: Generated<Date>;
    buyer_data_erased_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  };
}

export type CmiOrderRow = Selectable<CmiTables['cmi_orders']>;

/**
 * The fields of a CMI form that carry the buyer's personal data (name, addresses, e-mail, telephone):
 * sealed at rest in an order's fields and response (vault/personal-data.ts). CMI's names vary in case.
 */
export const isCmiPersonalField = (name: string) => /^(billto|shipto)|^(email|tel|phone)$/i.test(name);
export type CmiStoreRow = Selectable<CmiTables['cmi_stores']>;

/** A store as the rest of Tijara sees it: never its key. */
export interface CmiStore {
  merchantId: string;
  clientId: string;
  livemode: boolean;
  createdAt: Date;
}

export function toCmiStore(row: CmiStoreRow): CmiStore {
  return {
    merchantId: row.merchant_id,
    clientId: row.client_id,
    livemode: row.livemode,
    createdAt: row.created_at,
  };
}

/** The demo store of Atlas Voyages, as the demo shop is configured with it (test mode). */
export const DEMO_STORE = { clientId: '600000001', storeKey: 'TEST1234' } as const;
