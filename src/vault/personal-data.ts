import type { SharedDb } from '../store/store.js';
import { isSealedSecret, type VaultService } from './service.js';

/**
 * Law 09-08: the personal data a payment carries (the customer's e-mail; a CMI buyer's name, address
 * and telephone) is stored sealed under the vault's data key (AES-256-GCM) wherever it is written,
 * the payment row, its events, the stored answers of idempotent requests, the CMI order, and opened
 * in memory only when a response, a webhook or a console page shows it. The console logs every reveal.
 *
 * A value stored before sealing began reads as it is; `sealStoredPersonalData` seals those in place.
 */
export interface PersonalData {
  seal(value: string | null, db?: SharedDb): Promise<string | null>;
  open(value: string | null, db?: SharedDb): Promise<string | null>;
  /** `object` with the string values of the keys `isPersonal` picks sealed (a copy if any were). */
  sealFields<T>(object: T, isPersonal: (key: string) => boolean, db?: SharedDb): Promise<T>;
  /** `object` with every sealed value of the keys `isPersonal` picks opened (a copy if any were). */
  openFields<T>(object: T, isPersonal: (key: string) => boolean, db?: SharedDb): Promise<T>;
}

export function personalData(vault: Pick<VaultService, 'sealSecret' | 'openSecret'>): PersonalData {
  const seal = async (value: string | null, db?: SharedDb) =>
    value === null || value === '' || isSealedSecret(value) ? value : vault.sealSecret(value, db);
  const open = async (value: string | null, db?: SharedDb) =>
    value !== null && isSealedSecret(value) ? vault.openSecret(value, db) : value;

  async function mapFields<T>(
    object: T,
    isPersonal: (key: string) => boolean,
    change: (value: string) => Promise<string | null>,
  ): Promise<T> {
    if (object === null || typeof object !== 'object' || Array.isArray(object)) return object;
    // Most objects (a refund, a payment without an e-mail) have nothing to change: no copy then.
    let copy: Record<string, unknown> | undefined;
    for (const [key, value] of Object.entries(object))
      if (typeof value === 'string' && isPersonal(key)) {
        copy ??= { ...(object as Record<string, unknown>) };
        copy[key] = await change(value);
      }
    return (copy ?? object) as T;
  }

  return {
    seal,
    open,
    sealFields: (object, isPersonal, db) => mapFields(object, isPersonal, (value) => seal(value, db)),
    openFields: (object, isPersonal, db) => mapFields(object, isPersonal, (value) => open(value, db)),
  };
}

export { RESEAL_BATCH, resealInBatches } from './reseal.js';
