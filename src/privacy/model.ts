import type { BuyerRecord } from '../cmi/buyer-data.js';

/**
 * Law 09-08's rights of the person whose data is held: to know what is held and who read it (access,
 * art. 7), to have it corrected (rectification, art. 8), and to object to its processing (art. 9).
 */
export const REQUEST_KINDS = ['access', 'rectification', 'objection'] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];
export type RequestStatus = 'open' | 'answered';
/** Recorded by the merchant, or sent by the person on Tijara's public form. */
export type RequestChannel = 'merchant' | 'online';

/** A payment as a person's copy of their data shows it (in the API's spelling: it is handed on as is). */
export interface PaymentRecord {
  id: string;
  created_at: string;
  /** In minor units (centimes). */
  amount: number;
  currency: string;
  status: string;
  description: string | null;
  order_reference: string | null;
  card: string | null;
}

/** A reading of the person's data by someone at the merchant, with the purpose they gave. */
export interface DataReading {
  at: string;
  payment: string;
  data: string;
  purpose: string;
}

/**
 * An answer as the person's copy and the API give it. The CMI orders (by their id at the shop) were
 * added later: answers given before lack them.
 */
export type Answer =
  | {
      kind: 'access';
      email: string;
      payments: PaymentRecord[];
      cmi_orders?: BuyerRecord[];
      readings: DataReading[];
    }
  | { kind: 'rectification'; corrected_payments: string[]; corrected_cmi_orders?: string[] }
  | { kind: 'objection'; erased_from: string[]; erased_cmi_orders?: string[] };

export interface PrivacyRequest {
  id: string;
  merchantId: string;
  livemode: boolean;
  kind: RequestKind;
  /** The person's e-mail address as they gave it (sealed at rest). */
  email: string;
  /** Rectification: the address their records should carry instead. */
  correctedEmail: string | null;
  note: string | null;
  channel: RequestChannel;
  status: RequestStatus;
  receivedAt: Date;
  /** The date by which it must be answered. */
  dueAt: Date;
  answeredAt: Date | null;
  /** How many payments the answer covered. */
  records: number | null;
  answer: Answer | null;
  createdAt: Date;
}

/** A request without anything of the person: enough to tell who answers it what is waiting. */
export type RequestStanding = Pick<PrivacyRequest, 'id' | 'kind' | 'status' | 'dueAt'>;

/** The authority's view of one merchant's requests: dates and counts, no personal data. */
export interface MerchantRequestFigures {
  merchantId: string;
  open: number;
  /** Open past their due date. */
  overdue: number;
  answered: number;
  /** Answered after their due date. */
  answeredLate: number;
  /** The oldest open request's due date. */
  nextDueAt: Date | null;
}

/** One merchant's figures, with its name when it is known, and whether its console is closed. */
export type NamedFigures = MerchantRequestFigures & { name: string | undefined; closed: boolean };
