import type { MinorUnits } from '../core/money.js';
import type { AuthorizationMessage, CardProfile, IssuerAnswer, IssuerService } from '../issuer/service.js';
import type { SharedDb } from '../store/store.js';

/**
 * How the switch reaches an issuer. The built-in issuer answers inside the switch's database
 * transaction; a link to a bank host (ISO 8583 over TCP) would ignore `db`.
 */
export interface IssuerLink {
  cardProfile(pan: string, at: Date, db: SharedDb): Promise<CardProfile | undefined>;
  authorize(message: AuthorizationMessage, db: SharedDb): Promise<IssuerAnswer>;
  capture(reference: string, amountMad: MinorUnits, db: SharedDb): Promise<void>;
  release(reference: string, db: SharedDb): Promise<void>;
  refund(reference: string, amountMad: MinorUnits, db: SharedDb): Promise<void>;
  reverse(reference: string, db: SharedDb): Promise<void>;
}

export function builtinIssuerLink(
  issuer: IssuerService,
  bankId: string,
  simulatedLatencyMs: () => number,
): IssuerLink {
  return {
    cardProfile: (pan, at, db) => issuer.cardProfile(bankId, pan, at, db),
    async authorize(message, db) {
      const latency = simulatedLatencyMs();
      if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
      return issuer.authorize(bankId, message, db);
    },
    capture: (reference, amount, db) => issuer.capture(reference, amount, db),
    release: (reference, db) => issuer.release(reference, db),
    refund: (reference, amount, db) => issuer.refund(reference, amount, db),
    reverse: (reference, db) => issuer.reverse(reference, db),
  };
}
