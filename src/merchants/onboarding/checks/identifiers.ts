import { verifyIce, verifyPersonId, verifyRcNumber, verifyRib, verifyTaxId } from '../identifiers.js';
import type { Check } from './types.js';

/** Formats and check digits of every identifier on file (the API refused bad ones; this records why they hold). */
export const identifiersCheck: Check = async ({ application, owners }) => {
  const verdicts = [
    ['ICE', verifyIce(application.ice)],
    ['RIB', verifyRib(application.rib)],
    ['IF', verifyTaxId(application.tax_id)],
    ['RC', verifyRcNumber(application.rc_number)],
    ...owners.map(
      (o) => [`${o.id_kind.toUpperCase()} ${o.latin_name}`, verifyPersonId(o.id_kind, o.id_number)] as const,
    ),
  ] as const;
  const failed = verdicts.filter(([, v]) => !v.ok);
  return [
    {
      kind: 'identifiers',
      subject: '',
      result: failed.length === 0 ? 'pass' : 'fail',
      explanation:
        failed.length === 0
          ? 'ICE check digits (mod 97) and RIB key verified; IF, RC and identity document numbers well formed.'
          : failed.map(([name, v]) => `${name}: ${v.ok ? '' : v.detail}`).join('; '),
    },
  ];
};
