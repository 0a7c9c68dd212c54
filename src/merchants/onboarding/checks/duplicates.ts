import type { Kysely } from 'kysely';
import type { MerchantService } from '../../service.js';
import type { OnboardingTables } from '../model.js';
import type { Check } from './types.js';

/**
 * The same ICE, RIB or owner identity document on another merchant's application is worth a look (warn);
 * on a merchant that was rejected or is suspended, it is a refusal reason (fail).
 */
export function duplicatesCheck(deps: {
  db: () => Kysely<OnboardingTables>;
  merchants: MerchantService;
}): Check {
  return async ({ application, owners }) => {
    const db = deps.db();
    const sameCompany = await db
      .selectFrom('onboarding_applications')
      .select(['id', 'merchant_id', 'ice', 'rib'])
      .where('merchant_id', '!=', application.merchant_id)
      .where((eb) => eb.or([eb('ice', '=', application.ice), eb('rib', '=', application.rib)]))
      .execute();
    // Documents are found by their keyed fingerprint (numbers are sealed at rest: owner-identity.ts).
    const fingerprints = owners.flatMap((o) => (o.id_fingerprint ? [o.id_fingerprint] : []));
    const samePeople =
      fingerprints.length === 0
        ? []
        : await db
            .selectFrom('onboarding_owners as o')
            .innerJoin('onboarding_applications as a', 'a.id', 'o.application_id')
            .select(['a.merchant_id', 'o.id_kind', 'o.latin_name'])
            .where('a.merchant_id', '!=', application.merchant_id)
            .where('o.id_fingerprint', 'in', fingerprints)
            .execute();
    const findings: { what: string; merchantId: string }[] = [
      ...sameCompany.flatMap((a) => [
        ...(a.ice === application.ice ? [{ what: `ICE ${a.ice}`, merchantId: a.merchant_id }] : []),
        ...(a.rib === application.rib ? [{ what: `RIB ${a.rib}`, merchantId: a.merchant_id }] : []),
      ]),
      ...samePeople.map((p) => ({
        // Not the number itself: an explanation is stored in clear, and the reviewer has it on the case.
        what: `the ${p.id_kind.toUpperCase()} of ${p.latin_name}`,
        merchantId: p.merchant_id,
      })),
    ];
    if (findings.length === 0)
      return [
        {
          kind: 'duplicates',
          subject: '',
          result: 'pass',
          explanation: 'No other application shares the ICE, the RIB or an owner.',
        },
      ];
    const statuses = new Map<string, string>();
    for (const { merchantId } of findings) {
      if (!statuses.has(merchantId))
        statuses.set(merchantId, (await deps.merchants.getMerchant(merchantId))?.status ?? 'unknown');
    }
    const barred = findings.filter((f) =>
      ['rejected', 'suspended'].includes(statuses.get(f.merchantId) ?? ''),
    );
    const lines = findings.map(
      (f) => `${f.what} also on merchant ${f.merchantId} (${statuses.get(f.merchantId)})`,
    );
    return [
      {
        kind: 'duplicates',
        subject: '',
        result: barred.length > 0 ? 'fail' : 'warn',
        explanation: `${[...new Set(lines)].join('; ')}.`,
      },
    ];
  };
}
