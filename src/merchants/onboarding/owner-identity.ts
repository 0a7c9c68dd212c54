import type { SharedDb } from '../../store/store.js';
import { personalData } from '../../vault/personal-data.js';
import type { VaultService } from '../../vault/service.js';
import type { OwnerRow } from './model.js';

export type IdentityVault = Pick<VaultService, 'sealSecret' | 'openSecret' | 'fingerprint'>;

/**
 * Law 09-08: what identifies an owner beyond their name (the identity document's number and the birth
 * date) is sealed at rest and opened in memory only, when a check runs or a reviewer reads the case.
 * Names stay in clear: watchlist screening matches them, and each check names the person it is about.
 */
export function ownerIdentity(vault: IdentityVault) {
  const personal = personalData(vault);
  /** The keyed fingerprint that finds the same document on other applications. */
  const fingerprint = (idKind: string, idNumber: string, db?: SharedDb) =>
    vault.fingerprint(`onboarding_owner:${idKind}:${idNumber}`, db);
  return {
    /** The columns an owner row stores for this identity. */
    async seal(owner: Pick<OwnerRow, 'id_kind' | 'id_number' | 'birth_date'>, db?: SharedDb) {
      return {
        id_number: (await personal.seal(owner.id_number, db))!,
        birth_date: (await personal.seal(owner.birth_date, db))!,
        id_fingerprint: await fingerprint(owner.id_kind, owner.id_number, db),
      };
    },

    /** The row with its identity opened (a row stored before sealing began reads as it is). */
    async open(row: OwnerRow, db?: SharedDb): Promise<OwnerRow> {
      return {
        ...row,
        id_number: (await personal.open(row.id_number, db))!,
        birth_date: (await personal.open(row.birth_date, db))!,
      };
    },
  };
}
