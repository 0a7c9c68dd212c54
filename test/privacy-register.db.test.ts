import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import { type Protection, REGISTER } from '../src/privacy/register.js';
import { isSealedSecret } from '../src/vault/service.js';
import { cmiShop, shopForm } from './support/cmi-shop.js';
import { card, demoKeys, testPlatform } from './support/platform.js';

// Law 09-08's register (src/privacy/register.ts) is published as Tijara's word on what it keeps: these
// tests hold it to the schema and to the data, on both databases.
const { platform, baseUrl, api } = await testPlatform();
const db = platform.store.db;
const atlas = api(demoKeys.atlas);

/**
 * Columns whose names look personal but are not, and why. A column added with such a name fails the
 * completeness test until it is declared in the register or explained here.
 */
const NOT_PERSONAL: Record<string, string> = {
  'billers.name_ar': "a biller's name: a company",
  'billers.name_en': "a biller's name: a company",
  'billers.name_fr': "a biller's name: a company",
  'billers.reference_fields': 'the shape of a biller’s references (field names and patterns), no value',
  'bills.description': "the biller's wording of the bill (a period, a service)",
  'ledger_accounts.name': "an account's name: a merchant, a bank, the platform; a cardholder's, its id",
  'ledger_entries.description': "the entry's wording: a payment's or a refund's id",
  'ledger_entries.metadata': 'ids of the payment or bill an entry is for',
  'merchants.name': "a merchant's trade name: a company",
  'organisations.name': 'a merchant, a bank or the authority',
  'onboarding_applications.company_name': 'the applying company',
  'onboarding_applications.address': "the company's registered address",
  'onboarding_applications.rib': "the company's bank account, where its payouts go",
  'onboarding_checks.subject': 'what a check was about: an owner’s or the company’s id',
  'onboarding_documents.content_type': 'a file type',
  'onboarding_screening_hits.list_name': 'the watchlist’s name',
  'onboarding_screening_hits.subject_reference': 'the id of the owner screened',
  'outbox_events.payload': 'ids of the event and endpoint to deliver; the event itself is in events.data',
  'payments.description': "the merchant's wording of the sale; the API asks for no personal data there",
  'payments.metadata': "the merchant's keys; the API asks for no personal data there",
  'payments.order_reference': "the merchant's order number",
  'issuer_authorizations.reference': 'the switch’s reference of an authorization',
  'switch_authorizations.reference': 'the switch’s reference of an authorization',
  'switch_authorizations.response_code': 'an ISO 8583 code',
  'switch_issuers.name': "a bank's name",
  'screening_lists.name': "a watchlist's name",
  'screening_snapshots.file_name': 'the name of an imported list file',
  'screening_entries.content_hash': 'a digest of a list entry, to see that it changed',
  'screening_hits.subject_kind': 'owner or merchant',
  'screening_hits.subject_reference': 'the id of the subject screened',
  'screening_subjects.reference': 'the id of the owner watched',
  'risk_alerts.subject': "a merchant's id, or a card's keyed fingerprint: never a card number",
  'risk_alerts.subject_kind': 'merchant or card',
  'risk_alerts.review_note': "an analyst's note on a merchant's or a card's traffic",
  'idempotency_keys.response_status': 'an HTTP status',
  'privacy_requests.answered_at': 'a date',
  'schema_migrations.name': "a migration's file name",
  'watch_checks.response_ms': 'a duration',
};

/** Names that suggest a person's data: the net the completeness test casts over the schema. */
const LOOKS_PERSONAL =
  /(email|name|phone|tel$|address|birth|holder|^ip$|user_agent|note|reference|subject|last4|bin$|fingerprint|fields$|response|payload|answer|content|rib$|iban|id_number|nationalit|metadata|description|details)/;

async function columns(): Promise<Map<string, string>> {
  const { rows } = await sql<{ name: string; type: string }>`
    select table_name || '.' || column_name as name, data_type as type
    from information_schema.columns where table_schema = current_schema()`.execute(db);
  return new Map(rows.map((row) => [row.name, row.type]));
}

const declared = REGISTER.flatMap((processing) =>
  processing.storedIn.map((place) => ({ ...place, name: `${place.table}.${place.column}` })),
);

/** What each protection allows a stored value to look like. */
const SHAPES: Partial<Record<Protection, RegExp>> = {
  fingerprint: /^[0-9a-f]{64}$/,
  hashed: /^\$argon2id\$/,
  truncated: /^[0-9]{4,8}$/,
};

describe("law 09-08's register of processing", () => {
  test('every column it names exists, with the type its protection needs', async () => {
    const schema = await columns();
    for (const place of declared) {
      const type = schema.get(place.name);
      assert.ok(type, `${place.name} is in the register but not in the schema`);
      if (place.protection === 'encrypted') assert.equal(type, 'bytea', place.name);
      if (place.protection === 'sealed_fields') assert.equal(type, 'jsonb', place.name);
    }
    assert.equal(new Set(declared.map((d) => d.name)).size, declared.length, 'no column declared twice');
  });

  test('every column that looks personal is in it, or explained as not personal', async () => {
    const schema = await columns();
    const inRegister = new Set(declared.map((d) => d.name));
    const unexplained = [...schema.keys()]
      .filter((name) => LOOKS_PERSONAL.test(name.split('.')[1]!))
      .filter((name) => !inRegister.has(name) && !(name in NOT_PERSONAL))
      .sort();
    assert.deepEqual(unexplained, [], 'declare these in src/privacy/register.ts, or explain them here');
    const gone = Object.keys(NOT_PERSONAL).filter((name) => !schema.has(name));
    assert.deepEqual(gone, [], 'explained columns that no longer exist');
    for (const name of Object.keys(NOT_PERSONAL))
      assert.ok(!inRegister.has(name), `${name} is both declared and explained away`);
  });

  test('the data is stored as it says: sealed, fingerprinted, hashed or cut short', async () => {
    // Data in the places that demo data leaves empty: a payment with an e-mail and a name on the card,
    // a CMI order with its buyer, a person's request.
    const created = await atlas.post<{ id: string }>('/v1/payments', {
      amount: 25_000,
      currency: 'MAD',
      customer_email: 'register@example.ma',
    });
    await atlas.post(`/v1/payments/${created.body.id}/confirm`, {
      card: { ...card('4111111111111111'), holder_name: 'Samir Register' },
    });
    await cmiShop(baseUrl).startOrder(shopForm({ BillToName: 'Samir Register', tel: '+212600000000' }));
    await atlas.post('/v1/privacy_requests', {
      kind: 'access',
      email: 'register@example.ma',
      note: 'lettre',
    });

    const read: Record<string, number> = {};
    for (const place of declared) {
      const shape = place.protection === 'sealed' ? undefined : SHAPES[place.protection];
      if (place.protection !== 'sealed' && !shape) continue;
      const { rows } = await sql<{ value: string }>`
        select ${sql.ref(place.column)}::text as value from ${sql.table(place.table)}
        where ${sql.ref(place.column)} is not null`.execute(db);
      read[place.name] = rows.length;
      for (const { value } of rows) {
        const kept = shape ? shape.test(value) : isSealedSecret(value);
        assert.ok(
          kept,
          `${place.name} (${place.protection}) holds a value that is not: ${value.slice(0, 12)}…`,
        );
      }
    }
    for (const name of [
      'payments.customer_email',
      'vault_cards.holder_name',
      'vault_cards.fingerprint',
      'vault_cards.last4',
      'privacy_requests.subject_email',
      'privacy_requests.note',
      'onboarding_owners.birth_date',
      'onboarding_owners.id_number',
      'onboarding_owners.id_fingerprint',
      'users.password_hash',
      'issuer_accounts.holder_name',
      'issuer_cards.holder_name',
      'bills.reference',
    ])
      assert.ok((read[name] ?? 0) > 0, `${name} had data to check`);
  });

  test('it is public, as JSON in each language and as a page linked from every page', async () => {
    const register = await api().get<{
      object: string;
      language: string;
      processings: { id: string; people: string; retention: string; stored_in: { column: string }[] }[];
    }>('/v1/privacy/register?lang=fr');
    assert.equal(register.status, 200);
    assert.equal(register.body.language, 'fr');
    assert.deepEqual(
      register.body.processings.map((p) => p.id),
      REGISTER.map((p) => p.id),
    );
    const cards = register.body.processings.find((p) => p.id === 'card_payments')!;
    assert.equal(cards.people, 'Les personnes qui paient par carte');
    assert.ok(cards.stored_in.some((place) => place.column === 'holder_name'));
    assert.match(
      register.body.processings.find((p) => p.id === 'customer_contact')!.retention,
      /TIJARA_PERSONAL_DATA_RETENTION_DAYS/,
      'no retention set on this platform, and it says so',
    );
    assert.equal((await api().get('/v1/privacy/register?lang=de')).status, 400);

    const page = await fetch(`${baseUrl}/privacy?lang=ar`);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /<html lang="ar" dir="rtl">/);
    assert.match(html, /معطياتكم الشخصية لدى تجارة/);
    for (const processing of REGISTER) assert.ok(html.includes(`id="processing-${processing.id}"`));
    const observatory = await (await fetch(`${baseUrl}/observatory?lang=fr`)).text();
    assert.match(observatory, /<a href="\/privacy\?lang=fr">Vos données personnelles<\/a>/);
  });
});
