import type { OrganisationKeys, OrganisationKeyTables } from '../auth/org-keys.js';
import type { AuthService } from '../auth/service.js';
import { hashSecret } from '../merchants/service.js';
import type { SharedStore } from '../store/store.js';
import { ownTables } from '../store/store.js';
import { parseNationalCsv } from './formats/national-csv.js';
import type { ScreeningService } from './service.js';

/** Demo organisation keys (test mode), printed by the seed like the demo merchant keys. */
export const demoOrganisationKeys = {
  authority: 'ok_test_DgssiDemoScreening00000000001',
  bank: 'ok_test_BanqueAtlasDemoScreening0002',
} as const;

export const DEMO_LIST_NAME = 'Liste nationale (démo)';

/**
 * A small national list of fictional people and companies, so that a search finds something after
 * `npm start`. An applicant named like one of them (e.g. "Abdelkader Mansouri" born 1971-04-12, or
 * "عبد القادر المنصوري") gets a hit to review.
 */
export const demoWatchlistCsv = `id,kind,name,name_ar,aliases,birth_date,nationality,program
MA-DEMO-001,person,Abdelkader El Mansouri,عبد القادر المنصوري,Abou Yassine|A. K. Mansouri,1971-04-12,MA,Décision fictive 2026-01
MA-DEMO-002,person,Youssef Ben Hammou Ait Lhaj,يوسف بن حمو آيت الحاج,Youssef Aitlhaj,1984,MA|DZ,Décision fictive 2026-02
MA-DEMO-003,person,Fatima Zahra Bouchentouf,فاطمة الزهراء بوشنتوف,,1979-09-30,MA,Décision fictive 2026-03
MA-DEMO-004,person,Rachid Ouazzani Touhami,رشيد الوزاني التهامي,Rachid Touhami,1966-02-01,MA,Décision fictive 2026-04
MA-DEMO-005,person,Mohamed Lamine Ould Sidi Brahim,محمد الأمين ولد سيدي إبراهيم,,1975,MR,Décision fictive 2026-05
MA-DEMO-006,organisation,Atlas Négoce Fictif SARL,شركة أطلس للتجارة الوهمية,Atlas Negoce Fictif,,,Décision fictive 2026-06
MA-DEMO-007,organisation,Sahara Transit Imaginaire,,Sahara Transit Imaginary Ltd,,,Décision fictive 2026-07
`;

export interface DemoScreeningDeps {
  store: SharedStore;
  auth: AuthService;
  screening: ScreeningService;
  organisationKeys: OrganisationKeys;
}

async function keyExists(store: SharedStore, secret: string): Promise<boolean> {
  const row = await ownTables<OrganisationKeyTables>(store.db)
    .selectFrom('organisation_keys')
    .select('id')
    .where('secret_hash', '=', hashSecret(secret))
    .executeTakeFirst();
  return row !== undefined;
}

/** The lines to print about the demo screening access. */
export function describeDemoScreening(): string[] {
  return [
    'Watchlist screening (POST /v1/screening/search, Authorization: Bearer …):',
    `  supervising authority  ${demoOrganisationKeys.authority}`,
    `  Banque Atlas           ${demoOrganisationKeys.bank}`,
    `  demo list "${DEMO_LIST_NAME}": try {"name":"Abdelkader Mansouri"} or {"name":"عبد القادر المنصوري"}`,
  ];
}

/**
 * Creates the demo organisation keys (for the supervising authority and Banque Atlas, which the auth
 * seed creates first) and imports the fictional demo watchlist. Running it again changes nothing.
 */
export async function seedDemoScreening(deps: DemoScreeningDeps): Promise<string[]> {
  const authority = await deps.auth.supervisingOrganisation();
  const bank = (await deps.auth.listOrganisations('bank')).find((o) => o.bankId === 'bnk_atlas');
  for (const [organisation, secret] of [
    [authority, demoOrganisationKeys.authority],
    [bank, demoOrganisationKeys.bank],
  ] as const) {
    if (!organisation) throw new Error('seed the demo accounts before the demo screening keys');
    if (!(await keyExists(deps.store, secret)))
      await deps.organisationKeys.create(organisation.id, false, { label: 'demo', secret });
  }
  if ((await deps.screening.listSnapshots(DEMO_LIST_NAME)).length === 0) {
    const outcome = await deps.screening.importList({
      listName: DEMO_LIST_NAME,
      format: 'national',
      parsed: parseNationalCsv(demoWatchlistCsv),
      raw: demoWatchlistCsv,
      fileName: 'demo-national-list.csv',
    });
    if (outcome instanceof Error) throw outcome;
  }
  return describeDemoScreening();
}
