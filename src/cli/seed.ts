import { describeDemoAccounts, seedDemoAccounts } from '../auth/seed.js';
import { describeDemoBills, seedDemoBills } from '../bills/demo.js';
import { moroccanDate } from '../core/time.js';
import { seedDemoOnboarding } from '../merchants/onboarding/seed.js';
import { describeDemoObservatory, seedDemoObservatory } from '../observatory/demo.js';
import type { Platform } from '../platform.js';
import { describeDemoScreening, seedDemoScreening } from '../screening/seed.js';
import { readMeta, writeMeta } from '../store/meta.js';
import { parseRate } from '../switch/fx.js';
import { demoBanks, demoCards, demoMerchants, demoRates } from './demo-data.js';
import { seedDemoPayments } from './demo-payments.js';
import { seedDemoSuspendedShop } from './demo-suspension.js';

const SEEDED_KEY = 'demo_seeded_at';

/** Lines for the console: what a newcomer can use (keys, test cards, …). */
export type SeedReport = string[];

function describeDemo(): SeedReport {
  const pad = (text: string, width: number) => text.padEnd(width);
  return [
    'Merchant test keys (Authorization: Bearer …):',
    ...demoMerchants.map((m) => `  ${pad(m.name, 26)} ${m.testKey}  (${m.country}, ${m.currency})`),
    'CMI form post (3D Pay Hosting): POST /fim/est3Dgate, clientid 600000001, store key TEST1234 (Atlas Voyages)',
    'Demo shop paying through it: /demo/shop; 3-D Secure codes: /demo/inbox; mails (no mail server set): /demo/mail',
    'Test cards (any 3-digit CVC; expiry 12/2030 unless said):',
    ...demoCards.map((c) => `  ${c.number.replace(/(\d{4})(?=\d)/g, '$1 ')}  ${c.outcome}`),
    ...describeDemoAccounts(),
    ...describeDemoScreening(),
    ...describeDemoBills(),
    ...describeDemoObservatory(),
    'What Tijara keeps on people, and how (law 09-08): /privacy; as JSON: /v1/privacy/register',
  ];
}

/**
 * Loads the demo world in one transaction; when it is there already, changes nothing. `payments` adds a
 * few test payments of Atlas Voyages for the console, and a shop the authority suspended with a
 * customer's request waiting for the data protection officer (left out of tests, which count their own).
 */
export async function seedDemoData(
  platform: Platform,
  options: { payments?: boolean } = {},
): Promise<SeedReport> {
  const { ledger, merchants, issuer, switch: network } = platform.services;
  if (await readMeta(platform.store.db, SEEDED_KEY)) return ['(demo data already loaded)', ...describeDemo()];
  await platform.store.transaction(async (trx) => {
    await ledger.ensureAccount(
      {
        code: 'platform:settlement-bank',
        name: 'Settlement account at the central bank',
        type: 'asset',
        currency: 'MAD',
        mayGoNegative: true,
      },
      trx,
    );
    for (const bank of demoBanks) {
      await network.registerIssuer(
        {
          id: bank.id,
          name: bank.name,
          country: bank.country,
          available: 'available' in bank ? bank.available : true,
        },
        trx,
      );
      for (const bin of bank.bins)
        await network.addBinRange(
          { prefix: bin.prefix, issuerId: bank.id, brand: bin.brand, country: bank.country },
          trx,
        );
    }
    const today = moroccanDate(new Date());
    await network.setRates(
      demoRates.flatMap((r) => [
        { currency: r.currency, date: '2026-01-01', madPerUnitMicro: parseRate(r.rate)! },
        { currency: r.currency, date: today, madPerUnitMicro: parseRate(r.rate)! },
      ]),
      trx,
    );
    for (const card of demoCards) {
      const accountId = await issuer.openAccount(
        { bankId: card.bankId, holderName: card.holderName, openingBalance: card.balance },
        trx,
      );
      await issuer.issueCard(
        {
          bankId: card.bankId,
          accountId,
          pan: card.number,
          expMonth: card.expMonth,
          expYear: card.expYear,
          holderName: card.holderName,
          ...(card.status ? { status: card.status } : {}),
          ...(card.international ? { international: true } : {}),
          ...(card.internationalAllowance ? { internationalAllowance: card.internationalAllowance } : {}),
          ...(card.requires3ds ? { requires3ds: true } : {}),
        },
        trx,
      );
    }
    const merchantIds: Record<string, string> = {};
    for (const demo of demoMerchants) {
      const merchant = await merchants.createMerchant(
        {
          name: demo.name,
          sector: demo.sector,
          country: demo.country,
          currency: demo.currency,
          website: demo.website,
          feeBps: demo.feeBps,
          feeFixed: demo.feeFixed,
        },
        trx,
      );
      merchantIds[demo.name] = merchant.id;
      await merchants.createApiKey(merchant.id, false, { label: 'demo', secret: demo.testKey }, trx);
      // CMI-compatible form post: Atlas Voyages' demo store (clientid 600000001, store key TEST1234, test mode).
      if (demo.name === 'Atlas Voyages') await platform.services.cmi.seedDemoCmiStore(merchant.id, trx);
    }
    await seedDemoAccounts(platform.services.auth, { merchantIds, db: trx });
    await seedDemoBills(platform.services, trx);
    await writeMeta(trx, SEEDED_KEY, new Date().toISOString());
  });
  await network.reload();
  // The demo watchlist first: one demo applicant is named like an entry on it.
  await seedDemoScreening({ store: platform.store, ...platform.services });
  const onboarding = await seedDemoOnboarding(platform.services);
  await seedDemoObservatory(platform.services.observatory);
  // Left out of tests, which count their own payments and merchants.
  const extras = options.payments
    ? [...(await seedDemoPayments(platform)), ...(await seedDemoSuspendedShop(platform))]
    : [];
  return [...describeDemo(), ...extras, ...onboarding];
}

export async function isSeeded(platform: Platform): Promise<boolean> {
  return (await readMeta(platform.store.db, SEEDED_KEY)) !== undefined;
}
