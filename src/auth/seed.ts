import type { SharedDb } from '../store/store.js';
import { isAuthError } from './errors.js';
import { type Organisation, type Role, totpRequiredKinds } from './model.js';
import type { AuthService, NewOrganisation } from './service.js';

/**
 * The TOTP secret of every demo account that needs one (bank and authority people): add it once to an
 * authenticator app ("enter a setup key", time-based) and it gives the codes for all of them.
 */
export const DEMO_TOTP_SECRET = 'TIJARADEMOTOTPSECRETKEY234567ABC';

interface DemoPerson {
  role: Role;
  name: string;
  email: string;
}

interface DemoOrganisation {
  /** A merchant organisation's merchantId is looked up by its name at seed time (merchant ids are random). */
  organisation: Omit<NewOrganisation, 'merchantId'>;
  people: DemoPerson[];
}

/** A demo password anyone can read here, long enough for the policy: demo-<role>-2026! */
export function demoPassword(role: Role): string {
  return `demo-${role.replace('_', '-')}-2026!`;
}

const demoOrganisations: DemoOrganisation[] = [
  {
    organisation: { kind: 'merchant', name: 'Atlas Voyages' },
    people: [
      { role: 'owner', name: 'Karim Alaoui', email: 'owner@atlas-voyages.example' },
      { role: 'developer', name: 'Salma Berrada', email: 'developer@atlas-voyages.example' },
      { role: 'accountant', name: 'Hicham Tazi', email: 'accountant@atlas-voyages.example' },
    ],
  },
  {
    organisation: { kind: 'bank', name: 'Banque Atlas', bankId: 'bnk_atlas' },
    people: [{ role: 'operator', name: 'Nadia Chraibi', email: 'operator@banque-atlas.example' }],
  },
  {
    organisation: {
      kind: 'authority',
      name: "Direction Générale de la Sécurité des Systèmes d'Information",
    },
    people: [
      { role: 'reviewer', name: 'Omar Bennani', email: 'reviewer@dgssi.example' },
      { role: 'senior_reviewer', name: 'Leila Fassi', email: 'senior.reviewer@dgssi.example' },
      { role: 'analyst', name: 'Yassine Idrissi', email: 'analyst@dgssi.example' },
      { role: 'dpo', name: 'Meryem Lahlou', email: 'dpo@dgssi.example' },
    ],
  },
  {
    organisation: { kind: 'operator', name: 'Tijara' },
    people: [{ role: 'admin', name: 'Rachid El Amrani', email: 'admin@tijara.example' }],
  },
];

/** With its merchant id, for a merchant organisation. */
function organisationToCreate(demo: DemoOrganisation, merchantIds: Record<string, string>): NewOrganisation {
  if (demo.organisation.kind !== 'merchant') return demo.organisation;
  const merchantId = merchantIds[demo.organisation.name];
  if (!merchantId)
    throw new Error(`the demo merchant ${demo.organisation.name} must exist before its accounts`);
  return { ...demo.organisation, merchantId };
}

/** The lines to print about the demo accounts (the same whether they were just created or not). */
export function describeDemoAccounts(): string[] {
  const lines = ['Console accounts (email, password, role):'];
  for (const { organisation, people } of demoOrganisations) {
    const totpNote = totpRequiredKinds.includes(organisation.kind) ? `TOTP secret ${DEMO_TOTP_SECRET}` : '';
    lines.push(`  ${organisation.name}`);
    for (const person of people)
      lines.push(
        `    ${person.email.padEnd(34)} ${demoPassword(person.role).padEnd(26)} ${person.role.padEnd(16)}${totpNote}`.trimEnd(),
      );
  }
  return lines;
}

/** The existing organisation this demo one is: by merchant, by bank, else by kind and name. */
async function findOrganisation(auth: AuthService, wanted: NewOrganisation, db?: SharedDb) {
  const sameOne = (o: Organisation) =>
    wanted.kind === 'merchant'
      ? o.merchantId === wanted.merchantId
      : wanted.kind === 'bank'
        ? o.bankId === wanted.bankId
        : o.name === wanted.name;
  return (await auth.listOrganisations(wanted.kind, db)).find(sameOne);
}

async function ensureOrganisation(auth: AuthService, wanted: NewOrganisation, db?: SharedDb) {
  const existing = await findOrganisation(auth, wanted, db);
  if (existing) return existing;
  const created = await auth.createOrganisation(wanted, db);
  if (isAuthError(created)) throw new Error(`demo organisation ${wanted.name}: ${created}`);
  return created;
}

async function ensurePerson(
  auth: AuthService,
  organisation: Organisation,
  person: DemoPerson,
  db?: SharedDb,
) {
  if (await auth.findUserByEmail(person.email, db)) return;
  const needsTotp = totpRequiredKinds.includes(organisation.kind);
  const created = await auth.createUser(
    {
      organisationId: organisation.id,
      email: person.email,
      name: person.name,
      role: person.role,
      password: demoPassword(person.role),
      ...(needsTotp ? { totpSecret: DEMO_TOTP_SECRET } : {}),
    },
    db,
  );
  if (isAuthError(created)) throw new Error(`demo account ${person.email}: ${created}`);
}

/**
 * Creates the demo organisations and one person per role, each with a known password (bank and
 * authority people with TOTP on, under DEMO_TOTP_SECRET), and makes DGSSI the supervising authority
 * unless one is already. Running it again changes nothing. Returns the lines to print.
 */
export async function seedDemoAccounts(
  auth: AuthService,
  options: { merchantIds: Record<string, string>; db?: SharedDb },
): Promise<string[]> {
  const { db } = options;
  for (const demo of demoOrganisations) {
    const organisation = await ensureOrganisation(auth, organisationToCreate(demo, options.merchantIds), db);
    if (organisation.kind === 'authority' && !(await auth.supervisingOrganisation(db)))
      await auth.handOverSupervision(organisation.id, db);
    for (const person of demo.people) await ensurePerson(auth, organisation, person, db);
  }
  return describeDemoAccounts();
}
