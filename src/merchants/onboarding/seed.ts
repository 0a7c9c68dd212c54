import { isAuthError } from '../../auth/errors.js';
import { demoPassword } from '../../auth/seed.js';
import type { AuthService } from '../../auth/service.js';
import { Problem } from '../../core/problem.js';
import type { MerchantService } from '../service.js';
import { iceCheckDigits, ribKey } from './identifiers.js';
import type { OnboardingService } from './service.js';
import type { ApplicationBody } from './validation.js';

/** A fictional ICE and RIB with valid check digits, from a seed number. */
export function demoIdentifiers(seed: number): { ice: string; rib: string } {
  const ice13 = `00${String(7_654_321 + seed).padStart(7, '0')}0000`;
  const rib22 = `190780${String(9_876_543_210 + seed).padStart(16, '0')}`;
  return { ice: ice13 + iceCheckDigits(ice13), rib: rib22 + ribKey(rib22) };
}

/** A complete, valid application body for tests and the demo. */
export function demoApplication(seed: number, overrides: Partial<ApplicationBody> = {}): ApplicationBody {
  const { ice, rib } = demoIdentifiers(seed);
  return {
    company: {
      name: `Demo Shop ${seed} SARL`,
      legal_form: 'SARL',
      ice,
      rc_number: String(100_000 + seed),
      rc_court: 'Casablanca',
      if: String(40_000_000 + seed),
      address: '12 boulevard Zerktouni, Casablanca',
      sector: 'retail',
    },
    owners: [
      {
        latin_name: 'Nadia Benjelloun',
        arabic_name: 'نادية بنجلون',
        id_kind: 'cin',
        id_number: `BE${String(100_000 + seed)}`,
        birth_date: '1984-03-12',
        nationality: 'MA',
        share: 100,
      },
    ],
    domains: [`shop${seed}.example`],
    expected_monthly_volume: 25_000_000,
    rib,
    ...overrides,
  };
}

interface DemoApplicant {
  merchant: string;
  testKey: string;
  email: string;
  application: ApplicationBody;
  /** What the demo reviewer already did with the case, and why. */
  review?: { decision: 'request_information' | 'escalate' | 'reject'; note: string };
}

const applicants: DemoApplicant[] = [
  {
    merchant: 'Souk Digital',
    testKey: 'sk_test_SoukDigitalDemo00000000000000004',
    email: 'owner@souk-digital.example',
    application: demoApplication(1, {
      company: { ...demoApplication(1).company, name: 'Souk Digital SARL' },
      domains: ['souk-digital.example'],
    }),
    review: { decision: 'escalate', note: 'Expected volume high for a new company: senior review.' },
  },
  {
    merchant: 'Argan Maison',
    testKey: 'sk_test_ArganMaisonDemo00000000000000005',
    email: 'owner@argan-maison.example',
    application: demoApplication(2, {
      company: { ...demoApplication(2).company, name: 'Argan Maison SARL AU' },
      domains: ['argan-maison.example'],
      owners: [
        {
          latin_name: 'Mohamed El Fassi',
          arabic_name: 'محمد الفاسي',
          id_kind: 'cin',
          id_number: 'AB234567',
          birth_date: '1975-07-01',
          nationality: 'MA',
          share: 60,
        },
        {
          latin_name: 'Claire Martin',
          id_kind: 'passport',
          id_number: '18AB12345',
          birth_date: '1980-11-23',
          nationality: 'FR',
          share: 40,
        },
      ],
    }),
    review: {
      decision: 'request_information',
      note: 'Please upload the RC extract (modèle 7) and the statutes.',
    },
  },
  {
    merchant: 'Bled Express',
    testKey: 'sk_test_BledExpressDemo000000000000000007',
    email: 'owner@bled-express.example',
    application: demoApplication(4, {
      company: { ...demoApplication(4).company, name: 'Bled Express SARL' },
      domains: ['bled-express.example'],
    }),
    review: { decision: 'reject', note: 'The RC extract belongs to another company.' },
  },
  {
    // Named like an entry of the screening module's demo national list: a hit for reviewers to weigh.
    merchant: 'Sahara Bazar',
    testKey: 'sk_test_SaharaBazarDemo000000000000000006',
    email: 'owner@sahara-bazar.example',
    application: demoApplication(3, {
      company: { ...demoApplication(3).company, name: 'Sahara Bazar SARL' },
      domains: ['sahara-bazar.example'],
      owners: [
        {
          latin_name: 'Abdelkader Mansouri',
          arabic_name: 'عبد القادر المنصوري',
          id_kind: 'cin',
          id_number: 'JK112233',
          birth_date: '1971-04-12',
          nationality: 'MA',
          share: 100,
        },
      ],
    }),
  },
];

/**
 * Pending merchants with their owner accounts and filed applications, one of them asked for more
 * information, so a reviewer has cases to open. Run once, after the demo accounts exist.
 */
export async function seedDemoOnboarding(services: {
  merchants: MerchantService;
  auth: AuthService;
  onboarding: OnboardingService;
}): Promise<string[]> {
  const lines = ['Merchants in onboarding (pending: test mode only):'];
  const reviewer = await services.auth.findUserByEmail('reviewer@dgssi.example');
  for (const demo of applicants) {
    const merchant = await services.merchants.createMerchant({
      name: demo.merchant,
      status: 'pending',
      sector: 'retail',
    });
    await services.merchants.createApiKey(merchant.id, false, { label: 'demo', secret: demo.testKey });
    const organisation = await services.auth.createOrganisation({
      kind: 'merchant',
      name: demo.merchant,
      merchantId: merchant.id,
    });
    if (isAuthError(organisation)) throw new Error(`demo organisation ${demo.merchant}: ${organisation}`);
    const owner = await services.auth.createUser({
      organisationId: organisation.id,
      email: demo.email,
      name: `${demo.merchant} owner`,
      role: 'owner',
      password: demoPassword('owner'),
    });
    if (isAuthError(owner)) throw new Error(`demo account ${demo.email}: ${owner}`);
    const application = await services.onboarding.submit(merchant.id, demo.application, {
      type: 'user',
      id: owner.id,
    });
    if (application instanceof Problem)
      throw new Error(`demo application ${demo.merchant}: ${application.detail}`);
    if (demo.review && reviewer) {
      const file = await services.onboarding.currentFile(merchant.id);
      if (file)
        await services.onboarding.decide(
          file.case.id,
          { id: reviewer.id, organisationId: reviewer.organisationId, senior: false },
          demo.review.decision,
          demo.review.note,
        );
    }
    lines.push(
      `  ${demo.merchant.padEnd(26)} ${demo.testKey}  console: ${demo.email} ${demoPassword('owner')}`,
    );
  }
  return lines;
}
