import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import { testPlatform } from '../../test/support/platform.js';
import { testStore } from '../../test/support/store.js';
import { createAuditLog } from '../audit/service.js';
import { createOrganisationKeys } from '../auth/org-keys.js';
import { manualClock } from '../core/clock.js';
import { Problem } from '../core/problem.js';
import { keyringFromKeys } from '../vault/keyring.js';
import { createVaultService } from '../vault/service.js';
import { type ListFormat, parseList } from './formats/index.js';
import type { ImportReport } from './model.js';
import type { ScreeningHit, ScreeningSubject } from './port.js';
import { demoOrganisationKeys, seedDemoScreening } from './seed.js';
import { createScreeningService } from './service.js';
import {
  followTheMoneyLines,
  nationalCsv,
  ofacCsvFiles,
  ofacSdnXml,
  type SampleEntry,
  unConsolidatedXml,
} from './testing/list-files.js';

const store = await testStore();
const clock = manualClock(new Date('2026-11-24T09:00:00Z'));
const audit = createAuditLog({ store, clock });
const vault = createVaultService({ store, keyring: keyringFromKeys(randomBytes(32)) });
const screening = createScreeningService({ store, clock, freshnessMs: 0, audit, vault });
const notified: { subject: ScreeningSubject; hit: ScreeningHit }[] = [];
screening.onNewHit(async (subject, hit) => {
  notified.push({ subject, hit });
});

const mansouri: SampleEntry = {
  id: 'N-1',
  kind: 'person',
  firstName: 'Abdelkader',
  lastName: 'El Mansouri',
  originalScript: 'عبد القادر المنصوري',
  birthDate: '1971-04-12',
  nationalityCode: 'MA',
};
const touhami: SampleEntry = { id: 'N-2', kind: 'person', firstName: 'Rachid', lastName: 'Ouazzani Touhami' };
const negoce: SampleEntry = { id: 'N-3', kind: 'organisation', lastName: 'Atlas Negoce Fictif' };

async function importFile(listName: string, format: ListFormat, content: Parameters<typeof parseList>[1]) {
  const report = await screening.importList({
    listName,
    format,
    parsed: parseList(format, content),
    raw: JSON.stringify(content),
  });
  assert.ok(!(report instanceof Problem), String(report));
  return report as ImportReport;
}

describe('watchlist snapshots', () => {
  test('each import is a new version with its diff; rejected records are kept with the snapshot', async () => {
    const first = await importFile('National', 'national', nationalCsv([mansouri, touhami]));
    assert.equal(first.snapshot.version, 1);
    assert.deepEqual([first.added, first.changed, first.removed], [2, 0, 0]);

    const changedTouhami = { ...touhami, aliases: ['Rachid Touhami'] };
    const second = await importFile(
      'National',
      'national',
      `${nationalCsv([changedTouhami, negoce])}N-9,person,,,,,,\n`,
    );
    assert.equal(second.snapshot.version, 2);
    assert.deepEqual([second.added, second.changed, second.removed], [1, 1, 1]);
    assert.deepEqual(second.rejected, [{ record: 3, line: 4, externalId: 'N-9', reason: 'no name' }]);
    assert.deepEqual(await screening.snapshotDiff(second.snapshot.id), {
      added: ['N-3'],
      changed: ['N-2'],
      removed: ['N-1'],
    });
    const [latest] = await screening.listSnapshots('National');
    assert.equal(latest!.version, 2);
    assert.equal(latest!.rejected.length, 1);

    // The index follows: the removed entry is no longer found, the new one is.
    assert.deepEqual(await screening.search({ name: 'Abdelkader Mansouri' }), []);
    const [hit] = await screening.search({ name: 'Atlas Négoce Fictif' });
    assert.equal(hit?.list.name, 'National');

    // The same file again: a version with nothing added, changed or removed.
    const third = await importFile('National', 'national', `${nationalCsv([changedTouhami, negoce])}`);
    assert.deepEqual([third.snapshot.version, third.added, third.changed, third.removed], [3, 0, 0, 0]);
  });

  test('a list keeps its source: a file of another format is refused and changes nothing', async () => {
    const refused = await screening.importList({
      listName: 'National',
      format: 'un',
      parsed: parseList('un', unConsolidatedXml([mansouri])),
      raw: 'x',
    });
    assert.ok(refused instanceof Problem);
    assert.equal(refused.code, 'list_source_mismatch');
    assert.equal((await screening.listSnapshots('National')).length, 3);
  });

  test('the four international formats import, and a search across scripts finds them with reasons', async () => {
    const un = await importFile('UN', 'un', unConsolidatedXml([{ ...mansouri, id: '6908001' }]));
    const ofac = await importFile(
      'OFAC CSV',
      'ofac-csv',
      ofacCsvFiles([{ ...mansouri, id: '36001', nationality: 'Morocco' }]),
    );
    const ofacXml = await importFile('OFAC XML', 'ofac-xml', ofacSdnXml([{ ...mansouri, id: '36002' }]));
    const ftm = await importFile(
      'OpenSanctions',
      'opensanctions',
      followTheMoneyLines([{ ...mansouri, id: 'NK-1' }]),
    );
    for (const report of [un, ofac, ofacXml, ftm]) assert.equal(report.added, 1);

    const hits = await screening.search({ name: 'عبد القادر المنصوري', birthDate: '1971-04-12', limit: 10 });
    assert.deepEqual(
      hits.map((h) => h.list.source).sort(),
      ['national', 'ofac', 'ofac', 'opensanctions', 'un'].filter((s) => s !== 'national'),
    );
    const [best] = hits;
    assert.ok(best!.score >= 0.9);
    assert.ok(
      best!.explanation.some((line) => line.includes('birth date equal')),
      best!.explanation.join('; '),
    );
    assert.ok(
      best!.explanation.some((line) => line.includes('(transliterated)')),
      best!.explanation.join('; '),
    );

    // A different birth year lowers the score below the threshold for the lists that give one.
    const older = await screening.search({ name: 'Abdelkader El Mansouri', birthDate: '1940-01-01' });
    assert.equal(older.length, 0, JSON.stringify(older));
  });
});

describe('re-screening', () => {
  const subject: ScreeningSubject = {
    reference: 'own_karim',
    kind: 'person',
    name: 'Karim Bennani',
    alternateName: 'كريم بناني',
    birthDate: '1980-05-05',
    nationality: 'MA',
    merchantId: 'mer_test1',
  };
  const entry: SampleEntry = { id: 'W-1', kind: 'person', firstName: 'Kareem', lastName: 'Bennani' };

  async function rescreenAfter(report: ImportReport) {
    // What the outbox worker does with the event the import wrote.
    const events = await sql<{ payload: { snapshotId: string } }>`
      select payload from outbox_events where topic = 'screening.list_changed' and payload->>'snapshotId' = ${report.snapshot.id}`.execute(
      store.db,
    );
    for (const event of events.rows)
      await screening.outboxHandlers[0]!.deliver!({ payload: event.payload } as never);
    return events.rows.length;
  }

  test('a list change opens a hit for a watched subject once; a cleared hit returns only when the entry changes', async () => {
    await screening.watch([subject]);
    assert.equal((await screening.listHits({ merchantId: 'mer_test1' })).length, 0);
    // Law 09-08: the birth date is sealed at rest, and opened for matching (the birth date test below).
    const stored = await sql<{ birth_date: string }>`
      select birth_date from screening_subjects where reference = 'own_karim'`.execute(store.db);
    assert.match(stored.rows[0]!.birth_date, /^v1\./);

    const added = await importFile('Watch', 'national', nationalCsv([entry]));
    assert.equal(await rescreenAfter(added), 1);
    assert.equal(notified.length, 1);
    assert.equal(notified[0]!.subject.reference, 'own_karim');
    assert.equal(notified[0]!.hit.name, 'Kareem Bennani');
    const [open] = await screening.listHits({ status: 'open', merchantId: 'mer_test1' });
    assert.ok(open);

    const cleared = await screening.reviewHit(open.id, {
      decision: 'false_positive',
      reviewer: 'usr_test',
      actor: { type: 'user', id: 'usr_test' },
    });
    assert.ok(!(cleared instanceof Problem));
    assert.equal(cleared.status, 'false_positive');
    const [recorded] = await audit.list({ limit: 1, action: 'screening.hit.false_positive' });
    assert.equal(recorded?.targetId, open.id);
    assert.equal(recorded?.actorId, 'usr_test');

    // Another change to the list, not to this entry: nothing new for the subject.
    const unrelated = await importFile('Watch', 'national', nationalCsv([entry, negoce]));
    assert.equal(await rescreenAfter(unrelated), 1);
    assert.equal((await screening.rescreenAll()).newHits, 0);
    assert.equal(notified.length, 1);

    // The entry itself changes (a birth date is added): a new version, raised again.
    const changed = await importFile(
      'Watch',
      'national',
      nationalCsv([{ ...entry, birthDate: '1980-05-05' }, negoce]),
    );
    assert.equal(changed.changed, 1);
    await rescreenAfter(changed);
    assert.equal(notified.length, 2);
    assert.ok(notified[1]!.hit.explanation.some((l) => l.includes('birth date equal')));
    assert.equal(notified[1]!.subject.birthDate, '1980-05-05');
    const hits = await screening.listHits({ merchantId: 'mer_test1' });
    assert.deepEqual(hits.map((h) => h.status).sort(), ['false_positive', 'open']);
    assert.equal(
      (await screening.reviewHit('sh_missing', {
        decision: 'true_match',
        reviewer: 'x',
        actor: { type: 'user', id: 'x' },
      })) instanceof Problem,
      true,
    );
  });

  test('a listener that fails is called again on the next pass, and only for what it missed', async () => {
    const failing = createScreeningService({ store, clock, freshnessMs: 0, audit, vault });
    let calls = 0;
    failing.onNewHit(async () => {
      calls++;
      if (calls === 1) throw new Error('case service unavailable');
    });
    await failing.watch([
      { ...subject, reference: 'own_other', name: 'Rachid Touhami', alternateName: null },
    ]);
    const report = await importFile('Watch 2', 'national', nationalCsv([{ ...touhami, id: 'W-2' }]));
    await assert.rejects(failing.rescreenSnapshot(report.snapshot.id), /case service unavailable/);
    await failing.rescreenSnapshot(report.snapshot.id);
    assert.equal(calls, 2);
  });
});

describe('birth dates at rest', () => {
  test('one stored in clear before sealing began is matched as it is, then sealed in place by one pass', async () => {
    await screening.watch([
      {
        reference: 'own_legacy',
        kind: 'person',
        name: 'Latifa Berrada',
        alternateName: null,
        birthDate: '1966-02-14',
        nationality: 'MA',
        merchantId: 'mer_test2',
      },
    ]);
    await sql`update screening_subjects set birth_date = '1966-02-14' where reference = 'own_legacy'`.execute(
      store.db,
    );
    assert.ok((await screening.sealStoredPersonalData()) >= 1);
    const stored = await sql<{ birth_date: string }>`
      select birth_date from screening_subjects where reference = 'own_legacy'`.execute(store.db);
    assert.match(stored.rows[0]!.birth_date, /^v1\./);
    assert.equal(await screening.sealStoredPersonalData(), 0);
  });
});

describe('the daily pass', () => {
  test('however many workers ask, one pass a day runs; the next day another', async () => {
    const otherWorker = createScreeningService({ store, clock, freshnessMs: 0, audit, vault });
    const first = await screening.rescreenIfDue();
    assert.ok(first, 'the first to ask makes the pass');
    assert.equal(await otherWorker.rescreenIfDue(), undefined);
    assert.equal(await screening.rescreenIfDue(), undefined);
    clock.advance(24 * 60 * 60 * 1000);
    assert.ok(await otherWorker.rescreenIfDue());
    assert.equal(await screening.rescreenIfDue(), undefined);
  });
});

describe('screening API', () => {
  test('organisation keys: 401 without one, 403 for a merchant organisation, hits for banks and the authority', async () => {
    const { platform, api } = await testPlatform();
    const organisationKeys = createOrganisationKeys({
      store: platform.store,
      clock: manualClock(new Date()),
    });
    await seedDemoScreening({
      store: platform.store,
      auth: platform.services.auth,
      screening: platform.services.screening,
      organisationKeys,
    });
    // Twice changes nothing.
    await seedDemoScreening({
      store: platform.store,
      auth: platform.services.auth,
      screening: platform.services.screening,
      organisationKeys,
    });

    const body = { name: 'Abdelkader Mansouri', birth_date: '1971-04-12', nationality: 'ma' };
    assert.equal((await api().post('/v1/screening/search', body)).status, 401);
    assert.equal(
      (await api('ok_test_NoSuchKey000000000000000000').post('/v1/screening/search', body)).status,
      401,
    );
    const merchantOrg = (await platform.services.auth.listOrganisations('merchant'))[0]!;
    const { secret: merchantKey } = await organisationKeys.create(merchantOrg.id, false);
    const refused = await api(merchantKey).post('/v1/screening/search', body);
    assert.equal(refused.status, 403);
    assert.equal(refused.body.code, 'organisation_not_allowed');

    for (const key of [demoOrganisationKeys.bank, demoOrganisationKeys.authority]) {
      const found = await api(key).post<{
        data: { name: string; score: number; explanation: string[]; list: { source: string } }[];
      }>('/v1/screening/search', body);
      assert.equal(found.status, 200);
      assert.equal(found.body.data[0]?.name, 'Abdelkader El Mansouri');
      assert.equal(found.body.data[0]?.list.source, 'national');
      assert.ok(found.body.data[0]!.explanation.includes('birth date equal (1971-04-12)'));
    }
    const arabic = await api(demoOrganisationKeys.bank).post<{ data: { name: string }[] }>(
      '/v1/screening/search',
      {
        name: 'عبد القادر المنصوري',
      },
    );
    assert.equal(arabic.body.data[0]?.name, 'Abdelkader El Mansouri');
    assert.equal(
      (await api(demoOrganisationKeys.bank).post('/v1/screening/search', { name: '' })).status,
      400,
    );

    // Hit review is for the authority only.
    assert.equal((await api(demoOrganisationKeys.bank).get('/v1/screening/hits')).status, 403);
    const hits = await api(demoOrganisationKeys.authority).get<{ data: unknown[] }>(
      '/v1/screening/hits?status=open',
    );
    assert.equal(hits.status, 200);
    const review = await api(demoOrganisationKeys.authority).post('/v1/screening/hits/sh_nope/review', {
      decision: 'false_positive',
    });
    assert.equal(review.status, 404);

    // A revoked key stops working at once; the stored hash is all the database holds.
    const bank = (await platform.services.auth.listOrganisations('bank'))[0]!;
    const { key, secret } = await organisationKeys.create(bank.id, true, { label: 'to revoke' });
    assert.match(secret, /^ok_live_[A-Za-z0-9]{32}$/);
    assert.equal((await api(secret).post('/v1/screening/search', body)).status, 200);
    assert.equal(await organisationKeys.revoke(bank.id, key.id), true);
    assert.equal((await api(secret).post('/v1/screening/search', body)).status, 401);
    const stored = await sql<{
      n: number;
    }>`select count(*)::int as n from organisation_keys where secret_hash = ${secret}`.execute(
      platform.store.db,
    );
    assert.equal(stored.rows[0]!.n, 0);

    const openapi = await api().get<{ paths: Record<string, unknown> }>('/v1/openapi.json');
    assert.ok(openapi.body.paths['/v1/screening/search']);
  });
});
