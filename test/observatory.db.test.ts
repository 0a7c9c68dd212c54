import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, test } from 'node:test';
import { Problem } from '../src/core/problem.js';
import { moroccanDate } from '../src/core/time.js';
import { importFiguresCommand, refreshCommand } from '../src/observatory/cli.js';
import { growthPercent } from '../src/observatory/figures.js';
import { type PublishedQuarter, quarterOf, shiftQuarter } from '../src/observatory/model.js';
import { card, demoKeys, testPlatform } from './support/platform.js';

const { platform, api } = await testPlatform();
const { observatory, merchants } = platform.services;
// Live payments are dated by the database's clock: the quarter is today's.
const quarter = quarterOf(moroccanDate(new Date()));

/** A live merchant of a sector, and its API client. */
async function liveMerchant(name: string, sector: string) {
  const merchant = await merchants.createMerchant({ name, sector });
  const { secret } = await merchants.createApiKey(merchant.id, true);
  return api(secret);
}

let orders = 0;
async function pay(client: ReturnType<typeof api>, amount: number, number: string, capture?: 'manual') {
  const created = await client.post<{ id: string }>('/v1/payments', {
    amount,
    currency: 'MAD',
    order_reference: `OBS-${++orders}`,
    ...(capture ? { capture_method: capture } : {}),
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const confirmed = await client.post<{ id: string; status: string }>(
    `/v1/payments/${created.body.id}/confirm`,
    {
      card: card(number),
    },
  );
  assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
  return confirmed.body;
}

const MOROCCAN = '4111111111111111';
const MOROCCAN_INSUFFICIENT = '4111110000000054';
const FRENCH = '4970100000000048';

// Three travel and three retail merchants are published by name; one airline, one hotel and one car
// rental, under the threshold each, are pooled into "other".
const travel = await Promise.all([1, 2, 3].map((n) => liveMerchant(`Voyages ${n}`, 'travel')));
const retail = await Promise.all([1, 2, 3].map((n) => liveMerchant(`Boutique ${n}`, 'retail')));
const small = await Promise.all(
  ['airline', 'hospitality', 'car_rental'].map((sector) => liveMerchant(`Petit ${sector}`, sector)),
);

let volume = 0;
for (const [index, client] of [...travel, ...retail, ...small].entries()) {
  const amount = 10_000 + index * 1_001;
  volume += amount;
  await pay(client, amount, MOROCCAN);
}
let foreignVolume = 0;
for (const client of travel) {
  foreignVolume += 25_000;
  await pay(client, 25_000, FRENCH);
}
volume += foreignVolume;
const refunded = await pay(retail[0]!, 7_000, MOROCCAN);
volume += 7_000;
assert.equal((await retail[0]!.post('/v1/refunds', { payment: refunded.id, amount: 2_500 })).status, 201);
// None of these is a captured live payment: a decline, a hold never captured, a test payment.
assert.equal((await pay(travel[0]!, 6_000, MOROCCAN_INSUFFICIENT)).status, 'failed');
assert.equal((await pay(travel[1]!, 5_000, MOROCCAN, 'manual')).status, 'requires_capture');
await pay(api(demoKeys.atlas), 99_999, MOROCCAN);

const thisQuarter = (quarters: PublishedQuarter[]) => quarters.find((q) => q.quarter === quarter);

describe('the observatory', () => {
  test('adds up a quarter of live captures, by sector and card origin', async () => {
    const report = await observatory.rollUp(quarter);
    assert.ok(!(report instanceof Problem), String(report));
    const published = thisQuarter(await observatory.published());
    assert.ok(published);
    assert.equal(published.source, 'platform');
    assert.equal(published.provisional, true, 'the quarter is still running');
    assert.deepEqual(
      { payments: published.total.payments, volume: published.total.volume },
      { payments: 13, volume: BigInt(volume) },
    );
    assert.deepEqual(
      { refunds: published.total.refunds, refunded: published.total.refunded },
      { refunds: 1, refunded: 2_500n },
    );
    assert.equal(published.total.averageBasket, (BigInt(volume) + 6n) / 13n);
    assert.deepEqual(published.bySector.map((s) => [s.key, s.payments]).sort(), [
      ['other', 3],
      ['retail', 4],
      ['travel', 6],
    ]);
    assert.deepEqual(
      published.byCardOrigin.map((o) => [o.key, o.payments, o.volume]),
      [
        ['moroccan', 10, BigInt(volume - foreignVolume)],
        ['foreign', 3, BigInt(foreignVolume)],
      ],
    );
    const before = thisQuarter(await observatory.published({ from: shiftQuarter(quarter, -1) }));
    assert.ok(before);
    const previous = (await observatory.published()).find((q) => q.quarter === shiftQuarter(quarter, -1));
    assert.equal(
      published.total.growth.quarterOnQuarter,
      growthPercent(BigInt(volume), previous?.total.volume),
    );
  });

  test('a second roll-up after another payment moves the figures, and only by it', async () => {
    await pay(small[0]!, 4_000, MOROCCAN);
    await observatory.rollUp(quarter);
    const published = thisQuarter(await observatory.published());
    assert.equal(published?.total.payments, 14);
    assert.equal(published?.total.volume, BigInt(volume + 4_000));
    volume += 4_000;
  });

  test('two roll-ups at once (two workers) both succeed and agree', async () => {
    const reports = await Promise.all([observatory.rollUp(quarter), observatory.rollUp(quarter)]);
    assert.ok(
      reports.every((r) => !(r instanceof Problem)),
      String(reports),
    );
    assert.equal(thisQuarter(await observatory.published())?.total.payments, 14);
  });

  test('the scheduled roll-up runs at once and its stop waits for it', async () => {
    await pay(small[1]!, 3_000, MOROCCAN);
    const stop = observatory.startScheduledRollUp(60 * 60 * 1000);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await stop();
    assert.equal(thisQuarter(await observatory.published())?.total.payments, 15);
    volume += 3_000;
  });

  test('a quarter has one source: no import over computed figures, no roll-up over imported ones', async () => {
    const imported = await observatory.importFigures([
      {
        quarter,
        dimension: 'all',
        key: 'all',
        payments: 1,
        volume: 100n,
        refunds: 0,
        refunded: 0n,
        merchants: null,
      },
    ]);
    assert.ok(imported instanceof Problem);
    assert.equal(imported.code, 'quarter_computed');
    // The demo data imported 2024-Q1 … 2026-Q3.
    const rolled = await observatory.rollUp('2024-Q1');
    assert.ok(rolled instanceof Problem);
    assert.equal(rolled.code, 'quarter_imported');
    const future = await observatory.rollUp(shiftQuarter(quarter, 1));
    assert.ok(future instanceof Problem);
    assert.equal(future.code, 'quarter_not_started');
    assert.equal(thisQuarter(await observatory.published())?.total.payments, 15, 'nothing changed');
  });
});

describe('the open data API', () => {
  const anyone = api();
  type Body = {
    currency: string;
    minimum_merchants_per_figure: number;
    data: {
      quarter: string;
      source: string;
      total: { payments: number; volume: number };
      by_sector: unknown[];
    }[];
  };

  test('answers anyone in JSON and CSV, without a merchant in sight', async () => {
    const response = await anyone.get<Body>('/v1/observatory/quarters');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('access-control-allow-origin'), '*');
    assert.equal(response.body.currency, 'MAD');
    assert.equal(response.body.minimum_merchants_per_figure, 3);
    const current = response.body.data.find((q) => q.quarter === quarter);
    assert.deepEqual(current?.total.payments, 15);
    assert.equal(current?.total.volume, volume);
    assert.equal(response.body.data[0]?.quarter, '2024-Q1');
    assert.equal(response.body.data[0]?.source, 'imported');
    assert.doesNotMatch(JSON.stringify(response.body), /mer_|merchants"/);

    const csv = await anyone.get<string>(`/v1/observatory/quarters?from=${quarter}&format=csv`);
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-type') ?? '', /^text\/csv/);
    const lines = csv.body.trim().split('\n');
    assert.equal(lines.length, 1 + 1 + 3 + 2, 'header, the market, 3 sectors, 2 origins');
    assert.match(lines[1]!, new RegExp(`^${quarter},platform,true,all,all,15,${(volume / 100).toFixed(2)},`));
  });

  test('refuses a range it cannot read, as problem+json', async () => {
    for (const query of [
      'from=2026-Q5',
      'to=2026',
      'from=2026-Q3&to=2026-Q1',
      'format=xml',
      'merchant=mer_x',
    ]) {
      const response = await anyone.get<{ code: string }>(`/v1/observatory/quarters?${query}`);
      assert.equal(response.status, 400, query);
      assert.match(response.headers.get('content-type') ?? '', /application\/problem\+json/);
      assert.equal(response.body.code, 'invalid_request', query);
    }
  });
});

describe('tijara observatory', () => {
  const capture = () => {
    const stream = new PassThrough();
    let text = '';
    stream.on('data', (chunk) => {
      text += chunk;
    });
    return { stream, text: () => text };
  };

  test('import lists every bad line and imports nothing; a good file replaces the imported quarters', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tijara-observatory-'));
    const bad = join(dir, 'bad.csv');
    writeFileSync(
      bad,
      'quarter,dimension,key,payments,volume_mad\n2023-Q4,all,all,5,oops\n2023-Q5,all,all,1,1\n',
    );
    const out = capture();
    const err = capture();
    assert.deepEqual(await importFiguresCommand(platform.services, bad, out.stream, err.stream), {
      exitCode: 1,
    });
    assert.match(err.text(), /bad\.csv: line 2: volume_mad "oops" is not an amount/);
    assert.match(err.text(), /bad\.csv: line 3: quarter "2023-Q5"/);
    assert.equal((await observatory.published({ to: '2023-Q4' })).length, 0);

    const good = join(dir, 'good.csv');
    writeFileSync(good, 'quarter,dimension,key,payments,volume_mad\n2023-Q4,all,all,5,1000.00\n');
    assert.deepEqual(await importFiguresCommand(platform.services, good, out.stream, err.stream), {
      exitCode: 0,
    });
    assert.match(out.text(), /1 figure line\(s\) imported for 1 quarter\(s\), 2023-Q4 to 2023-Q4/);
    const [q] = await observatory.published({ to: '2023-Q4' });
    assert.equal(q?.total.volume, 100_000n);
    // Growth of the first demo quarter, a year later, now has a base.
    const [next] = await observatory.published({ from: '2024-Q4', to: '2024-Q4' });
    assert.equal(typeof next?.total.growth.yearOnYear, 'number');

    const computed = join(dir, 'computed.csv');
    writeFileSync(computed, `quarter,dimension,key,payments,volume_mad\n${quarter},all,all,5,1000.00\n`);
    assert.deepEqual(await importFiguresCommand(platform.services, computed, out.stream, err.stream), {
      exitCode: 1,
    });
    assert.match(
      err.text(),
      /computes .* from its own payments: an import may not replace them; nothing imported/,
    );
  });

  test('refresh adds up a quarter again, and refuses one that is not a quarter', async () => {
    const out = capture();
    const err = capture();
    assert.deepEqual(await refreshCommand(platform.services, { quarter }, out.stream, err.stream), {
      exitCode: 0,
    });
    assert.match(out.text(), new RegExp(`^${quarter}: \\d+ figure line\\(s\\)`));
    assert.deepEqual(
      await refreshCommand(platform.services, { quarter: '2026-Q9' }, out.stream, err.stream),
      {
        exitCode: 2,
      },
    );
    assert.match(err.text(), /--quarter 2026-Q9 is not a quarter/);
  });
});
