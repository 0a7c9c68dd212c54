import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import { luhnCheckDigit } from '../src/core/card.js';
import { manualClock } from '../src/core/clock.js';
import { Problem } from '../src/core/problem.js';
import { moroccanDate } from '../src/core/time.js';
import { DEFAULT_DAILY_LIMIT } from '../src/issuer/service.js';
import { KEYED_PLANS } from '../src/store/held-rows.js';
import { card, demoKeys, testPlatform } from './support/platform.js';
import { columnsHoldingText } from './support/store.js';

type Payment = {
  id: string;
  status: string;
  amount: number;
  amount_captured: number;
  amount_capturable: number;
  amount_refunded: number;
  fee: number;
  decline: { code: string; message: string } | null;
  next_action: { url: string } | null;
  card: { last4: string; country: string } | null;
};

const clock = manualClock(new Date('2027-03-01T10:00:00Z'));
// Every statement the platform sends, while a test listens (see 'round trips').
let listening: Sent[] | undefined;
/** A statement, the pooled connection that sent it, and whether it shared the previous one's round trip. */
type Sent = [statement: string, connection: number, withPrevious: boolean];
const { platform, api, baseUrl } = await testPlatform({
  clock,
  onStatement: (...sent) => listening?.push(sent),
});
const atlas = api(demoKeys.atlas);
const marrakech = api(demoKeys.marrakech);
const paris = api(demoKeys.paris);
let orders = 0;

async function pay(
  client = atlas,
  number = '4111111111111111',
  amount = 10_000,
  options: { currency?: string; expYear?: number; capture?: 'manual' } = {},
) {
  const created = await client.post<Payment>('/v1/payments', {
    amount,
    currency: options.currency ?? 'MAD',
    order_reference: `ORDER-${++orders}`,
    ...(options.capture ? { capture_method: options.capture } : {}),
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const confirmed = await client.post<Payment>(`/v1/payments/${created.body.id}/confirm`, {
    card: card(number, 12, options.expYear ?? 2030),
  });
  assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
  return confirmed.body;
}

/** A new cardholder account with this opening balance, and a card on it (expiring 12/2030). */
async function newCardholder(bankId: string, panWithoutCheckDigit: string, openingBalance: bigint) {
  const { issuer } = platform.services;
  const holderName = `Holder ${panWithoutCheckDigit.slice(-4)}`;
  const accountId = await issuer.openAccount({ bankId, holderName, openingBalance });
  const pan = `${panWithoutCheckDigit}${luhnCheckDigit(panWithoutCheckDigit)}`;
  await issuer.issueCard({ bankId, accountId, pan, expMonth: 12, expYear: 2030, holderName });
  return { accountId, pan };
}

async function cardholderBalance(number: string) {
  const { issuer, vault } = platform.services;
  const fingerprint = await vault.fingerprint(number);
  const row = await platform.store.db
    .selectFrom('issuer_cards')
    .select('account_id')
    .where('pan_fingerprint', '=', fingerprint)
    .executeTakeFirstOrThrow();
  return issuer.accountBalance(row.account_id);
}

describe('test cards', () => {
  test('approved: the payment succeeds, the card is debited and the merchant credited less its fee', async () => {
    const before = await cardholderBalance('4111111111111111');
    const payment = await pay(atlas, '4111111111111111', 125_000);
    assert.equal(payment.status, 'succeeded');
    assert.equal(payment.amount_captured, 125_000);
    assert.equal(payment.fee, 1_975); // 1.5% + 1.00 MAD
    assert.equal(payment.card?.last4, '1111');
    assert.equal(await cardholderBalance('4111111111111111'), (before ?? 0n) - 125_000n);
  });

  const declines: [
    string,
    string,
    string,
    { expYear?: number; client?: typeof paris; currency?: string }?,
  ][] = [
    ['insufficient funds', '4111110000000054', '51'],
    ['expired card', '4111110000000120', '54', { expYear: 2024 }],
    ['lost card', '4111110000000203', '62'],
    ['domestic-only card at a merchant abroad', '4111111111111111', '57', { client: paris, currency: 'EUR' }],
    ['allowance exceeded', '4005560000000026', '61', { client: paris, currency: 'EUR' }],
    ['issuer unavailable', '4309990000000036', '91'],
  ];
  for (const [name, number, code, options] of declines) {
    test(`${name}: declined with ${code} and a message, and nothing is taken`, async () => {
      const before = await cardholderBalance(number);
      const payment = await pay(options?.client ?? atlas, number, 15_000, {
        ...(options?.expYear ? { expYear: options.expYear } : {}),
        ...(options?.currency ? { currency: options.currency } : {}),
      });
      assert.equal(payment.status, 'failed');
      assert.equal(payment.decline?.code, code);
      assert.ok(payment.decline?.message && payment.decline.message.length > 10);
      assert.equal(payment.amount_captured, 0);
      assert.equal(await cardholderBalance(number), before);
    });
  }

  test('3-D Secure card: the payment waits for the cardholder, with a page to send them to', async () => {
    const payment = await pay(atlas, '4188880000000076');
    assert.equal(payment.status, 'requires_action');
    assert.match(payment.next_action?.url ?? '', new RegExp(`/pay/${payment.id}$`));
  });

  test('3-D Secure passed: the payment is authorized with the result recorded; failed: it fails', async () => {
    const { payments } = platform.services;
    const passed = await pay(atlas, '4188880000000076', 7_000);
    const done = await platform.store.transaction((trx) =>
      payments.completeAuthentication(passed.id, { status: 'authenticated', eci: '05' }, trx),
    );
    assert.ok(!(done instanceof Problem));
    assert.equal(done.status, 'succeeded');
    const shown = await atlas.get<Payment & { three_d_secure: { status: string; eci: string } }>(
      `/v1/payments/${passed.id}`,
    );
    assert.deepEqual(shown.body.three_d_secure, { status: 'authenticated', eci: '05' });
    const authorization = await platform.store.db
      .selectFrom('switch_authorizations')
      .select(['three_d_secure', 'eci', 'response_code'])
      .where('reference', 'like', `${passed.id}:%`)
      .orderBy('created_at', 'desc')
      .executeTakeFirstOrThrow();
    assert.deepEqual(authorization, { three_d_secure: 'authenticated', eci: '05', response_code: '00' });
    const refused = await pay(atlas, '4188880000000076', 7_000);
    const failed = await platform.store.transaction((trx) =>
      payments.completeAuthentication(refused.id, { status: 'failed', eci: '07' }, trx),
    );
    assert.ok(!(failed instanceof Problem));
    assert.equal(failed.status, 'failed');
  });

  test('a foreign card at a Moroccan merchant is accepted', async () => {
    const payment = await pay(atlas, '4970100000000048', 50_000);
    assert.equal(payment.status, 'succeeded');
    assert.equal(payment.card?.country, 'FR');
  });

  test('issuer unavailable: the switch queues a reversal for the bank', async () => {
    const payment = await pay(atlas, '4309990000000036');
    const reversals = await platform.store.db
      .selectFrom('outbox_events')
      .select('payload')
      .where('topic', '=', 'switch.reversal')
      .execute();
    assert.ok(reversals.some((r) => (r.payload as { reference: string }).reference.startsWith(payment.id)));
  });

  test('an issuer that answers too late: 91, and the late hold is reversed', async () => {
    const { switch: network, issuer } = platform.services;
    await network.registerIssuer({
      id: 'bnk_slow',
      name: 'Banque Lente',
      country: 'MA',
      timeoutMs: 100,
      simulatedLatencyMs: 400,
    });
    await network.addBinRange({ prefix: '422222', issuerId: 'bnk_slow', brand: 'visa', country: 'MA' });
    const { accountId, pan } = await newCardholder('bnk_slow', '422222000000000', 1_000_000n);
    const payment = await pay(atlas, pan, 20_000, { capture: 'manual' });
    assert.equal(payment.status, 'failed');
    assert.equal(payment.decline?.code, '91');
    assert.equal(await issuer.accountBalance(accountId), 1_000_000n);
    const auth = await platform.store.db
      .selectFrom('issuer_authorizations')
      .select('status')
      .where('reference', 'like', `${payment.id}%`)
      .executeTakeFirstOrThrow();
    assert.equal(auth.status, 'reversed');
  });
});

describe('payment lifecycle', () => {
  test('manual capture of part of a hold releases the rest to the cardholder', async () => {
    const before = (await cardholderBalance('5555555555554444'))!;
    const held = await pay(atlas, '5555555555554444', 80_000, { capture: 'manual' });
    assert.equal(held.status, 'requires_capture');
    assert.equal(held.amount_capturable, 80_000);
    assert.equal(await cardholderBalance('5555555555554444'), before - 80_000n);
    const captured = await atlas.post<Payment>(`/v1/payments/${held.id}/capture`, { amount: 60_000 });
    assert.equal(captured.status, 200);
    assert.equal(captured.body.status, 'succeeded');
    assert.equal(captured.body.amount_captured, 60_000);
    assert.equal(await cardholderBalance('5555555555554444'), before - 60_000n);
  });

  test('a payment so small that the fee takes it all still balances', async () => {
    const tiny = await pay(atlas, '5555555555554444', 100);
    assert.equal(tiny.status, 'succeeded');
    assert.equal(tiny.fee, 100);
  });

  test('capturing more than the hold is refused and changes nothing', async () => {
    const held = await pay(atlas, '5555555555554444', 10_000, { capture: 'manual' });
    const tooMuch = await atlas.post(`/v1/payments/${held.id}/capture`, { amount: 10_001 });
    assert.equal(tooMuch.status, 422);
    assert.equal(tooMuch.body.code, 'amount_too_large');
    assert.equal((await atlas.get<Payment>(`/v1/payments/${held.id}`)).body.status, 'requires_capture');
  });

  test('cancel releases the hold at the issuer', async () => {
    const before = (await cardholderBalance('5555555555554444'))!;
    const held = await pay(atlas, '5555555555554444', 30_000, { capture: 'manual' });
    const canceled = await atlas.post<Payment>(`/v1/payments/${held.id}/cancel`);
    assert.equal(canceled.body.status, 'canceled');
    assert.equal(await cardholderBalance('5555555555554444'), before);
  });

  test('refunds, partial then full, never more than captured', async () => {
    const before = (await cardholderBalance('5555555555554444'))!;
    const payment = await pay(atlas, '5555555555554444', 40_000);
    assert.equal((await atlas.post('/v1/refunds', { payment: payment.id, amount: 15_000 })).status, 201);
    const excessive = await atlas.post('/v1/refunds', { payment: payment.id, amount: 25_001 });
    assert.equal(excessive.status, 422);
    const rest = await atlas.post<{ amount: number }>('/v1/refunds', { payment: payment.id });
    assert.equal(rest.body.amount, 25_000);
    assert.equal((await atlas.get<Payment>(`/v1/payments/${payment.id}`)).body.amount_refunded, 40_000);
    assert.equal(await cardholderBalance('5555555555554444'), before);
    assert.equal((await atlas.post('/v1/refunds', { payment: payment.id, amount: 1 })).status, 422);
  });

  test('a confirmed payment cannot be confirmed again', async () => {
    const payment = await pay();
    const again = await atlas.post(`/v1/payments/${payment.id}/confirm`, { card: card('4111111111111111') });
    assert.equal(again.status, 409);
    assert.equal(again.body.code, 'payment_unexpected_state');
  });

  test('a payment changed since this process created it (another node canceled it) is confirmed from its row: nothing is charged', async () => {
    const number = '4111111111111111';
    const before = await cardholderBalance(number);
    const created = await atlas.post<Payment>('/v1/payments', { amount: 4_000, currency: 'MAD' });
    // As another node would: the row changes and this process is not told.
    await platform.store.db
      .updateTable('payments')
      .set({ status: 'canceled', updated_at: new Date(clock.now().getTime() + 1_000) })
      .where('id', '=', created.body.id)
      .execute();
    const confirmed = await atlas.post(`/v1/payments/${created.body.id}/confirm`, { card: card(number) });
    // On PostgreSQL the card was authorized on the payment as remembered, then all of it rolled back
    // when the locked row turned out to differ; run again from the row, the confirm is refused.
    assert.equal(confirmed.status, 409);
    assert.equal(confirmed.body.code, 'payment_unexpected_state');
    assert.equal(await cardholderBalance(number), before);
    const authorized = await platform.store.db
      .selectFrom('issuer_authorizations')
      .select('reference')
      .where('reference', 'like', `${created.body.id}:%`)
      .execute();
    assert.deepEqual(authorized, []);
    const row = await platform.store.db
      .selectFrom('payments')
      .select(['status', 'attempts', 'card_last4'])
      .where('id', '=', created.body.id)
      .executeTakeFirstOrThrow();
    assert.deepEqual(row, { status: 'canceled', attempts: 0, card_last4: null });
  });

  test('bad card input is a 400 problem naming the field, and the payment is untouched', async () => {
    const created = await atlas.post<Payment>('/v1/payments', { amount: 5_000, currency: 'MAD' });
    const mistyped = await atlas.post(`/v1/payments/${created.body.id}/confirm`, {
      card: card('4111111111111112'),
    });
    assert.equal(mistyped.status, 400);
    assert.equal(mistyped.body.code, 'invalid_card_number');
    const badCvc = await atlas.post(`/v1/payments/${created.body.id}/confirm`, {
      card: { ...card('4111111111111111'), cvc: '12' },
    });
    assert.equal(badCvc.status, 400);
    const floatAmount = await atlas.post('/v1/payments', { amount: 10.5, currency: 'MAD' });
    assert.equal(floatAmount.status, 400);
    assert.equal(floatAmount.body.code, 'invalid_request');
    const after = await atlas.get<Payment & { attempts?: number }>(`/v1/payments/${created.body.id}`);
    assert.equal(after.body.status, 'requires_payment_method');
    assert.equal(after.body.card, null);
  });

  test('a list filter on a status that does not exist is a 400 problem, not an empty list', async () => {
    const weird = await atlas.get('/v1/payments?status=paid');
    assert.equal(weird.status, 400);
    assert.match(String(weird.body.detail), /querystring\.status/);
  });

  test('list with cursor pagination and filters', async () => {
    const first = await pay(marrakech, '4111111111111111', 1_111);
    const second = await pay(marrakech, '5555555555554444', 2_222);
    const page1 = await marrakech.get<{ data: Payment[]; has_more: boolean; next_cursor: string }>(
      '/v1/payments?limit=1',
    );
    assert.equal(page1.body.data[0]?.id, second.id);
    assert.equal(page1.body.has_more, true);
    const page2 = await marrakech.get<{ data: Payment[] }>(
      `/v1/payments?limit=1&starting_after=${page1.body.next_cursor}`,
    );
    assert.equal(page2.body.data[0]?.id, first.id);
    const byLast4 = await marrakech.get<{ data: Payment[] }>('/v1/payments?last4=4444');
    assert.deepEqual(
      byLast4.body.data.map((p) => p.id),
      [second.id],
    );
    // A date range (planned for its values: payments_by_created or the newest ids, whichever fits).
    const now = clock.now().getTime();
    const range = (from: number, to: number) =>
      marrakech.get<{ data: Payment[] }>(
        `/v1/payments?created_gte=${new Date(from).toISOString()}&created_lt=${new Date(to).toISOString()}&last4=4444`,
      );
    assert.deepEqual(
      (await range(now - 60_000, now + 60_000)).body.data.map((p) => p.id),
      [second.id],
    );
    assert.deepEqual((await range(now - 86_400_000, now - 60_000)).body.data, []);
  });
});

const isKeyLookup = (statement: string) => statement.includes('"merchant_api_keys"');
// The audit trail's sealer runs on its own timer (platform.ts) and may fall in the measurement, even
// begin before it or end after it: its transactions, told apart by their connection, are not the request's.
const isSealer = (statement: string) => statement.startsWith('select pg_advisory_xact_lock');
function requestStatements(statements: Sent[]): Sent[] {
  const kept: Sent[] = [];
  const open = new Map<number, Sent[]>(); // per connection, since its BEGIN (or the first seen)
  const close = (connection: number) => {
    const span = open.get(connection) ?? [];
    open.delete(connection);
    // A transaction that ends here without having begun here began before the measurement: every
    // transaction of the request begins in it. (A sealer's, whose lock was taken before, looked
    // like a request's lone COMMIT.)
    const begunBefore =
      span[0]?.[0] !== 'begin' &&
      span.some(([statement]) => statement === 'commit' || statement === 'rollback');
    if (!begunBefore && !span.some(([statement]) => isSealer(statement))) kept.push(...span);
  };
  for (const sent of statements) {
    const [statement, connection] = sent;
    if (statement === 'begin') close(connection);
    open.set(connection, [...(open.get(connection) ?? []), sent]);
    if (statement === 'commit' || statement === 'rollback') close(connection);
  }
  for (const connection of [...open.keys()]) close(connection);
  // The sealer's look for waiting records runs outside a transaction, as PGlite's housekeeping does.
  return kept.filter(
    ([statement]) =>
      !/^(select "id" from "audit_pending"|select pg_stat_force_next_flush|analyze |vacuum )/.test(statement),
  );
}

describe('round trips', () => {
  const roundTrips = (statements: Sent[]) => statements.filter(([, , withPrevious]) => !withPrevious).length;

  // On these machines a round trip costs both processes a wake-up, and a transaction holds its locks
  // across each one: this is the budget docs/performance.md accounts for, kept from creeping back up.
  test('a card payment (create, then confirm with automatic capture) sends 7 statements in 3 round trips (4 on PGlite)', async () => {
    // The first payment creates the accounts it posts to; the next finds them committed and remembers them.
    await pay();
    await pay();
    listening = [];
    const created = await atlas.post<Payment>('/v1/payments', { amount: 5_000, currency: 'MAD' });
    const createStatements = requestStatements(listening).filter(([s]) => !isKeyLookup(s)).length;
    const confirmed = await atlas.post<Payment>(`/v1/payments/${created.body.id}/confirm`, {
      card: card('4111111111111111'),
    });
    const sent = requestStatements(listening);
    const statements = sent.map(([statement]) => statement);
    listening = undefined;
    assert.equal(confirmed.body.status, 'succeeded');
    // The key is looked up at most once a request, and not at all within 2 s of the last lookup
    // (KEY_CACHE_MS): how many fall in the measurement depends on the machine's speed, so they are
    // counted apart.
    const lookups = statements.filter(isKeyLookup).length;
    assert.ok(lookups <= 2, statements.join('\n'));
    // The payment and its audit record, in one statement.
    assert.equal(createStatements, 1, statements.join('\n'));
    // Confirm: BEGIN, the payment locked, the card and the accounts its entry moves locked with the
    // day's spending, everything else written at once (the issuer's entry too) just after the
    // settings that keep its joins on keys (KEYED_PLANS), COMMIT.
    assert.equal(statements.length - lookups, 7, statements.join('\n'));
    assert.equal(
      statements.indexOf(KEYED_PLANS.sql),
      statements.lastIndexOf('commit') - 2,
      statements.join('\n'),
    );
    assert.equal(statements.filter((s) => s === 'begin').length, 1);
    // BEGIN travels with the lock, and COMMIT with everything written at once (src/store/pipeline.ts).
    // On PostgreSQL the lock travels on with the card's statement too: the payment was created by
    // this process, so the confirm need not wait for its row (src/payments/just-created.ts).
    const expected = platform.store.kind === 'postgres' ? 3 : 4;
    assert.equal(roundTrips(sent) - lookups, expected, statements.join('\n'));
    // By its key alone: a plan cached while the table was small once walked the merchant's every
    // payment to find it (isOwnedBy in src/payments/events.ts, docs/performance.md).
    assert.ok(
      statements.includes('select * from "payments" where "id" = $1 for update'),
      statements.join('\n'),
    );
  });
});

describe('plans', () => {
  // Every index of the tables a payment reads, with the entries its scans read.
  const PATH_TABLES = ['payments', 'issuer_cards', 'issuer_accounts', 'issuer_daily_usage', 'vault_cards'];
  type IndexReads = { index: string; scans: number; read: number }[];
  async function indexReads(): Promise<IndexReads> {
    const { rows } = await sql<{ index: string; scans: string; read: string }>`
      select indexrelname as index, idx_scan as scans, idx_tup_read as read from pg_stat_user_indexes
       where relname = any(${PATH_TABLES}::text[]) order by indexrelname`.execute(platform.store.db);
    return rows.map((row) => ({ index: row.index, scans: Number(row.scans), read: Number(row.read) }));
  }
  const seqRead = async () =>
    Number(
      (
        await sql<{ read: string }>`select coalesce(sum(seq_tup_read), 0) as read from pg_stat_user_tables
                                      where relname = any(${PATH_TABLES}::text[])`.execute(platform.store.db)
      ).rows[0]!.read,
    );
  /** The statistics once they count `scans` more scans of issuer_cards: PostgreSQL's backends report theirs when idle, up to seconds later. */
  async function statisticsAfter(before: IndexReads, scans: number) {
    const cardScans = (reads: IndexReads) =>
      reads.filter((r) => r.index.startsWith('issuer_cards')).reduce((n, r) => n + r.scans, 0);
    for (const started = Date.now(); ; await new Promise((resolve) => setTimeout(resolve, 200))) {
      // PGlite's one backend is this one: flushed now. PostgreSQL's others flush on their own.
      await sql`select pg_stat_force_next_flush()`.execute(platform.store.db);
      await sql`select pg_stat_clear_snapshot()`.execute(platform.store.db);
      const after = await indexReads();
      if (cardScans(after) - cardScans(before) >= scans || Date.now() - started > 15_000) return after;
    }
  }

  // Its statements were planned while these tables were nearly empty (the first tests'), and PGlite,
  // which never analyzes, keeps such plans for ever. Two did read everything: the card by the bank's
  // (bank_id, last4) index, every card of the bank; the payments' update over arrays by a scan.
  test('a payment reads its own rows by key, however small the tables were when it was planned', async () => {
    const cards = [];
    for (let i = 0; i < 30; i++)
      cards.push(await newCardholder('bnk_atlas', `4111110001${String(i).padStart(5, '0')}`, 1_000_000n));
    const before = await indexReads();
    const seqBefore = await seqRead();
    for (const { pan } of cards) assert.equal((await pay(atlas, pan, 1_000)).status, 'succeeded');
    const after = await statisticsAfter(before, cards.length);
    const perScan = after
      .map((index, i) => {
        const scans = index.scans - before[i]!.scans;
        return { index: index.index, scans, perScan: scans ? (index.read - before[i]!.read) / scans : 0 };
      })
      .filter((index) => index.scans > 0);
    assert.ok(
      perScan.some((index) => index.index.startsWith('issuer_cards')),
      JSON.stringify(perScan),
    );
    for (const index of perScan) assert.ok(index.perScan <= 2, JSON.stringify(perScan));
    assert.equal((await seqRead()) - seqBefore, 0);
  });
});

describe('authentication and tenancy', () => {
  test('no key or a wrong key is 401', async () => {
    assert.equal((await api().get('/v1/payments')).status, 401);
    assert.equal((await api('sk_test_NotAKeyThatExists000000000000000').get('/v1/payments')).status, 401);
  });

  test("another merchant's payment is not found, whatever the route", async () => {
    const payment = await pay(atlas, '4111111111111111', 3_000, { capture: 'manual' });
    assert.equal((await marrakech.get(`/v1/payments/${payment.id}`)).status, 404);
    assert.equal((await marrakech.post(`/v1/payments/${payment.id}/capture`, {})).status, 404);
    assert.equal((await marrakech.post(`/v1/payments/${payment.id}/cancel`)).status, 404);
    assert.equal((await marrakech.post('/v1/refunds', { payment: payment.id })).status, 404);
    assert.equal((await atlas.get<Payment>(`/v1/payments/${payment.id}`)).body.status, 'requires_capture');
  });
});

describe('idempotency', () => {
  test('same key and body: the stored response; other body: 409', async () => {
    const body = { amount: 7_000, currency: 'MAD', order_reference: 'IDEM-1' };
    const first = await atlas.post<Payment>('/v1/payments', body, { 'idempotency-key': 'idem-key-1' });
    const again = await atlas.post<Payment>('/v1/payments', body, { 'idempotency-key': 'idem-key-1' });
    assert.equal(again.status, 201);
    assert.equal(again.body.id, first.body.id);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    const other = await atlas.post(
      '/v1/payments',
      { ...body, amount: 7_001 },
      { 'idempotency-key': 'idem-key-1' },
    );
    assert.equal(other.status, 409);
    assert.equal(other.body.code, 'idempotency_key_reused');
  });

  test('concurrent requests with one key execute once', async () => {
    const body = { amount: 8_000, currency: 'MAD', order_reference: 'IDEM-RACE' };
    const responses = await Promise.all(
      Array.from({ length: 8 }, () =>
        atlas.post<Payment>('/v1/payments', body, { 'idempotency-key': 'idem-race' }),
      ),
    );
    assert.ok(responses.every((r) => r.status === 201));
    assert.equal(new Set(responses.map((r) => r.body.id)).size, 1);
    const rows = await platform.store.db
      .selectFrom('payments')
      .select('id')
      .where('order_reference', '=', 'IDEM-RACE')
      .execute();
    assert.equal(rows.length, 1);
  });

  test('a confirm retried with its key is not charged twice', async () => {
    const before = (await cardholderBalance('5555555555554444'))!;
    const created = await atlas.post<Payment>('/v1/payments', { amount: 9_000, currency: 'MAD' });
    const confirm = () =>
      atlas.post<Payment>(
        `/v1/payments/${created.body.id}/confirm`,
        { card: card('5555555555554444') },
        { 'idempotency-key': 'confirm-once' },
      );
    const [a, b] = await Promise.all([confirm(), confirm()]);
    assert.equal(a.body.status, 'succeeded');
    assert.deepEqual(b.body, a.body);
    assert.equal(await cardholderBalance('5555555555554444'), before - 9_000n);
  });
});

describe('international allowance', () => {
  // Card 4005 5600 0000 0018 may spend 20,000 MAD a calendar year abroad; 900 EUR is 9,766.08 MAD.
  const international = '4005560000000018';

  test('payments abroad that together pass 20,000 MAD: the one that passes is declined', async () => {
    clock.set(new Date('2027-03-02T10:00:00Z'));
    const first = await pay(paris, international, 90_000, { currency: 'EUR' });
    assert.equal(first.status, 'succeeded', JSON.stringify(first.decline));
    clock.set(new Date('2027-03-03T10:00:00Z'));
    const second = await pay(paris, international, 90_000, { currency: 'EUR' });
    assert.equal(second.status, 'succeeded');
    clock.set(new Date('2027-03-04T10:00:00Z'));
    const third = await pay(paris, international, 90_000, { currency: 'EUR' });
    assert.equal(third.status, 'failed');
    assert.equal(third.decline?.code, '61');

    // A refund gives the allowance back: the same payment now fits.
    assert.equal((await paris.post('/v1/refunds', { payment: second.id })).status, 201);
    const afterRefund = await pay(paris, international, 90_000, { currency: 'EUR' });
    assert.equal(afterRefund.status, 'succeeded');

    // A new calendar year starts afresh.
    clock.set(new Date('2028-01-05T10:00:00Z'));
    const nextYear = await pay(paris, international, 90_000, { currency: 'EUR' });
    assert.equal(nextYear.status, 'succeeded');
    clock.set(new Date('2028-01-06T10:00:00Z'));
    assert.equal((await pay(paris, international, 90_000, { currency: 'EUR' })).status, 'succeeded');
  });

  test('the allowance is consumed in MAD at the day rate, and given back on cancel', async () => {
    clock.set(new Date('2029-06-01T10:00:00Z'));
    const { issuer } = platform.services;
    const cardRow = await platform.store.db
      .selectFrom('issuer_cards')
      .select('id')
      .where('pan_fingerprint', '=', await platform.services.vault.fingerprint(international))
      .executeTakeFirstOrThrow();
    const held = await pay(paris, international, 10_000, { currency: 'EUR', capture: 'manual' });
    assert.equal(held.status, 'requires_capture');
    assert.equal(await issuer.allowanceLeft(cardRow.id, 2029), 2_000_000n - 108_512n);
    await paris.post(`/v1/payments/${held.id}/cancel`);
    assert.equal(await issuer.allowanceLeft(cardRow.id, 2029), 2_000_000n);
  });
});

describe('daily limit', () => {
  // Every card may spend DEFAULT_DAILY_LIMIT (20,000 MAD) a day in all.
  const cardId = async (number: string) =>
    (
      await platform.store.db
        .selectFrom('issuer_cards')
        .select('id')
        .where('pan_fingerprint', '=', await platform.services.vault.fingerprint(number))
        .executeTakeFirstOrThrow()
    ).id;
  const spentOn = async (number: string, day: string) => {
    const row = await platform.store.db
      .selectFrom('issuer_daily_usage')
      .select('used')
      .where('card_id', '=', await cardId(number))
      .where('day', '=', day)
      .executeTakeFirst();
    return row?.used ?? 0n;
  };

  test('the payment that would pass the day’s limit is declined 61; the limit is reached exactly; a new day starts afresh', async () => {
    const number = '5555555555554444';
    clock.set(new Date('2029-09-10T10:00:00Z'));
    assert.equal((await pay(atlas, number, 1_500_000)).status, 'succeeded');
    const over = await pay(atlas, number, 500_001);
    assert.equal(over.status, 'failed');
    assert.equal(over.decline?.code, '61');
    assert.equal(await spentOn(number, '2029-09-10'), 1_500_000n);
    assert.equal((await pay(atlas, number, 500_000)).status, 'succeeded');
    assert.equal(await spentOn(number, '2029-09-10'), DEFAULT_DAILY_LIMIT);
    clock.set(new Date('2029-09-11T10:00:00Z'));
    assert.equal((await pay(atlas, number, 100)).status, 'succeeded');
  });

  test('a card refused for another reason spends none of its day', async () => {
    clock.set(new Date('2029-09-12T10:00:00Z'));
    const lost = await pay(atlas, '4111110000000203', 10_000);
    assert.equal(lost.decline?.code, '62');
    assert.equal(await spentOn('4111110000000203', '2029-09-12'), 0n);
    // One refused at the limit and for another reason answers the other reason.
    const alsoOver = await pay(atlas, '4111110000000203', Number(DEFAULT_DAILY_LIMIT) + 1);
    assert.equal(alsoOver.decline?.code, '62');
    assert.equal(await spentOn('4111110000000203', '2029-09-12'), 0n);
  });
});

describe('group commit', () => {
  test('concurrent payments on one card share commits, and its day limit holds across them exactly', async () => {
    const number = '5555555555554444';
    clock.set(new Date('2029-09-20T10:00:00Z'));
    const before = (await cardholderBalance(number))!;
    listening = [];
    // Ten payments of 3,000 MAD against a day limit of 20,000 MAD: six fit, whichever group they share.
    const payments = await Promise.all(Array.from({ length: 10 }, () => pay(atlas, number, 300_000)));
    const groups = new Set(
      listening.filter(([, connection]) => connection < 0).map(([, connection]) => connection),
    );
    listening = undefined;
    const succeeded = payments.filter((p) => p.status === 'succeeded');
    assert.equal(succeeded.length, 6);
    assert.ok(payments.filter((p) => p.status === 'failed').every((p) => p.decline?.code === '61'));
    assert.equal(await cardholderBalance(number), before - 1_800_000n);
    // Twenty transactions (ten creations, ten confirmations) in fewer commits.
    assert.ok(groups.size > 0 && groups.size < 20, `${groups.size} groups`);
  });

  test('concurrent payments that together pass the cardholder’s balance: those that fit succeed, the others are declined 51', async () => {
    const { issuer } = platform.services;
    const { accountId, pan } = await newCardholder('bnk_atlas', '411111000000999', 50_000n);
    // Each confirm reads the balance it has locked, and its entry goes with the commit: within one
    // group the members' entries are not yet written when the next member reads, so a group that
    // overdraws is refused by the posting trigger at commit, rolled back, and its members run again alone.
    const payments = await Promise.all(Array.from({ length: 8 }, () => pay(atlas, pan, 10_000)));
    assert.equal(payments.filter((p) => p.status === 'succeeded').length, 5);
    const declined = payments.filter((p) => p.status === 'failed');
    assert.deepEqual(
      declined.map((p) => p.decline?.code),
      ['51', '51', '51'],
    );
    assert.equal(await issuer.accountBalance(accountId), 0n);
  });
});

describe('a storm of concurrent calls', () => {
  test('payments on shared cards, captures, cancels, refunds and retried keys, all at once: the money adds up', async () => {
    clock.set(new Date('2029-10-01T10:00:00Z'));
    // Two cards with money, one with 50 MAD (most of its payments decline 51), one granted abroad.
    const cards = ['4111111111111111', '5555555555554444', '4111110000000054', '4005560000000018'];
    const before = await Promise.all(cards.map((number) => cardholderBalance(number)));
    const scenario = async (i: number) => {
      const number = cards[i % cards.length]!;
      const manual = i % 3 === 0;
      const create = () =>
        atlas.post<Payment>(
          '/v1/payments',
          { amount: 1_000 + i * 100, currency: 'MAD', ...(manual ? { capture_method: 'manual' } : {}) },
          { 'idempotency-key': `storm-create-${i}` },
        );
      // Some creations are sent twice at once, as a client retrying on a timeout would.
      const created = await Promise.all(i % 5 === 0 ? [create(), create()] : [create()]);
      assert.equal(new Set(created.map((c) => c.body.id)).size, 1);
      const id = created[0]!.body.id;
      const confirm = () =>
        atlas.post<Payment>(
          `/v1/payments/${id}/confirm`,
          { card: card(number) },
          { 'idempotency-key': `storm-confirm-${i}` },
        );
      const confirmed = await Promise.all(i % 4 === 1 ? [confirm(), confirm()] : [confirm()]);
      assert.deepEqual(confirmed.at(-1)!.body, confirmed[0]!.body);
      const payment = confirmed[0]!.body;
      if (payment.status === 'requires_capture') {
        const next =
          i % 2 === 0
            ? await atlas.post<Payment>(`/v1/payments/${id}/capture`, {
                amount: Math.floor(payment.amount / 2),
              })
            : await atlas.post<Payment>(`/v1/payments/${id}/cancel`);
        assert.equal(next.status, 200, JSON.stringify(next.body));
      } else if (payment.status === 'succeeded' && i % 3 === 1) {
        const refund = await atlas.post('/v1/refunds', {
          payment: id,
          amount: Math.floor(payment.amount / 4),
        });
        assert.equal(refund.status, 201, JSON.stringify(refund.body));
      } else if (payment.status === 'failed') {
        assert.equal(payment.decline?.code, '51');
      }
      return { number, id };
    };
    // A deadlock is retried and the money still adds up, but each costs a second (PostgreSQL's
    // deadlock_timeout), and a chain of them made a confirmation wait past its issuer's timeout (91).
    let deadlocks = 0;
    // A group that a deadlock rolled back reports GroupAborted, with the deadlock as its cause.
    const code = (error: unknown) => (error as { code?: unknown } | null)?.code;
    platform.store.onRollback((error) => {
      if (code(error) === '40P01' || code((error as { cause?: unknown } | null)?.cause) === '40P01')
        deadlocks++;
    });
    const done = await Promise.all(Array.from({ length: 36 }, (_, i) => scenario(i)));
    assert.equal(deadlocks, 0, 'calls on one card take its locks in one order');

    assert.deepEqual(await platform.services.ledger.checkInvariants(), []);
    // What left each card is what its payments captured less what was refunded, to the centime.
    for (const [c, number] of cards.entries()) {
      let net = 0n;
      for (const { id } of done.filter((d) => d.number === number)) {
        const { body } = await atlas.get<Payment>(`/v1/payments/${id}`);
        assert.notEqual(body.status, 'requires_capture');
        net += BigInt(body.amount_captured - body.amount_refunded);
      }
      assert.equal(await cardholderBalance(number), before[c]! - net, number);
    }
    // The card with 50 MAD paid what it could and never went below zero.
    assert.ok((await cardholderBalance(cards[2]!))! >= 0n);
  });
});

describe('books', () => {
  test('the ledger balances and the day settlement reconciles with it', async () => {
    assert.deepEqual(await platform.services.ledger.checkInvariants(), []);
    const today = moroccanDate(new Date());
    for (const client of [atlas, marrakech, paris]) {
      const report = await client.get<{ reconciled: boolean; payable: number; ledger_payable: number }>(
        `/v1/settlements/${today}`,
      );
      assert.equal(report.status, 200);
      assert.equal(report.body.reconciled, true, JSON.stringify(report.body));
    }
    const csv = await atlas.get<string>(`/v1/settlements/${today}?format=csv`);
    assert.match(csv.headers.get('content-type') ?? '', /text\/csv/);
    assert.match(csv.body, /^time,kind,payment,refund,amount,fee,net,currency/);
    // Every succeeded payment has its ledger entry.
    const missing = await sql<{ id: string }>`
      select p.id from payments p
      where p.status = 'succeeded' and p.capture_method = 'automatic'
        and not exists (select 1 from ledger_entries e where e.external_ref = 'pay:' || p.id || ':sale')`.execute(
      platform.store.db,
    );
    assert.deepEqual(missing.rows, []);
  });
});

// Last: its count of the payments is a sequential scan, which 'plans' would see in its statistics.
describe('input PostgreSQL cannot store', () => {
  test('a NUL character anywhere is a 400 problem naming the field, and nothing is written', async () => {
    const payments = () =>
      platform.store.db.selectFrom('payments').select((eb) => eb.fn.countAll<number>().as('n'));
    const before = Number((await payments().executeTakeFirstOrThrow()).n);
    const refusals = [
      await atlas.post('/v1/payments', { amount: 5_000, currency: 'MAD', order_reference: 'CMD\u0000' }),
      await atlas.post('/v1/payments', { amount: 5_000, currency: 'MAD', metadata: { 'k\u0000': 'v' } }),
      await atlas.get('/v1/payments?order_reference=CMD%00'),
      await atlas.get('/v1/payments/pay_%00'),
    ];
    assert.deepEqual(
      refusals.map((r) => [r.status, r.body.code, (r.body.errors as { field: string }[])[0]!.field]),
      [
        [400, 'invalid_request', 'body.order_reference'],
        [400, 'invalid_request', 'body.metadata'],
        [400, 'invalid_request', 'querystring.order_reference'],
        [400, 'invalid_request', 'params.id'],
      ],
    );
    assert.equal(Number((await payments().executeTakeFirstOrThrow()).n), before);
  });

  test('a hosted-page expiry year no card carries is a form error on the expiry, and the payment is untouched', async () => {
    const created = await atlas.post<Payment>('/v1/payments', { amount: 5_000, currency: 'MAD' });
    const page = await fetch(`${baseUrl}/pay/${created.body.id}?lang=en`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ number: '4111111111111111', expiry: '12/9999', cvc: '123' }).toString(),
    });
    assert.equal(page.status, 422);
    assert.match(await page.text(), /Enter the expiry date as MM\/YY/);
    const after = await atlas.get<Payment>(`/v1/payments/${created.body.id}`);
    assert.equal(after.body.status, 'requires_payment_method');
    assert.equal(after.body.card, null);
  });
});

describe('created and confirmed in one call', () => {
  const oneCall = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    atlas.post<Payment & { capture_before: string | null }>(
      '/v1/payments',
      { amount: 7_500, currency: 'MAD', ...body },
      headers,
    );

  test('"confirm": true with a card pays at once, as create then confirm would', async () => {
    const before = (await cardholderBalance('5555555555554444'))!;
    const paid = await oneCall({ confirm: true, card: card('5555555555554444'), order_reference: 'ONE-1' });
    assert.equal(paid.status, 201, JSON.stringify(paid.body));
    assert.equal(paid.body.status, 'succeeded');
    assert.equal(paid.body.amount_captured, 7_500);
    assert.equal(paid.body.card?.last4, '4444');
    assert.deepEqual((await atlas.get<Payment>(`/v1/payments/${paid.body.id}`)).body, paid.body);
    assert.equal(await cardholderBalance('5555555555554444'), before - 7_500n);
    const events = await atlas.get<{ data: { type: string; data: { object: { id: string } } }[] }>(
      '/v1/events?limit=10',
    );
    assert.deepEqual(
      events.body.data.filter((e) => e.data.object.id === paid.body.id).map((e) => e.type),
      ['payment.succeeded'],
    );
    const settlement = await atlas.get<{ reconciled: boolean }>(
      `/v1/settlements/${moroccanDate(clock.now())}`,
    );
    assert.equal(settlement.body.reconciled, true);
  });

  test('a hold, a decline and a 3-D Secure card come out as their confirm would', async () => {
    const held = await oneCall({ confirm: true, capture_method: 'manual', card: card('5555555555554444') });
    assert.equal(held.body.status, 'requires_capture');
    assert.ok(held.body.capture_before);
    assert.equal(
      (await atlas.post<Payment>(`/v1/payments/${held.body.id}/capture`)).body.status,
      'succeeded',
    );

    const declined = await oneCall({ confirm: true, card: card('4111110000000054') });
    assert.equal(declined.status, 201);
    assert.equal(declined.body.status, 'failed');
    assert.equal(declined.body.decline?.code, '51');
    // A failed payment may be confirmed again with another card.
    const retried = await atlas.post<Payment>(`/v1/payments/${declined.body.id}/confirm`, {
      card: card('5555555555554444'),
    });
    assert.equal(retried.body.status, 'succeeded');

    const challenged = await oneCall({ confirm: true, card: card('4188880000000076') });
    assert.equal(challenged.body.status, 'requires_action');
    assert.match(challenged.body.next_action?.url ?? '', new RegExp(`/pay/${challenged.body.id}$`));
  });

  test('the same Idempotency-Key pays once; a card without "confirm", or "confirm" without one, is refused', async () => {
    const before = (await cardholderBalance('5555555555554444'))!;
    const key = { 'idempotency-key': `one-call-${Date.now()}` };
    const body = { confirm: true, card: card('5555555555554444'), order_reference: 'ONE-IDEM' };
    const [first, second] = await Promise.all([oneCall(body, key), oneCall(body, key)]);
    assert.equal(first.body.id, second.body.id);
    assert.equal(await cardholderBalance('5555555555554444'), before - 7_500n);

    const count = async () =>
      (await atlas.get<{ data: unknown[] }>('/v1/payments?order_reference=ONE-BAD')).body.data.length;
    for (const bad of [
      { order_reference: 'ONE-BAD', card: card('5555555555554444') },
      { order_reference: 'ONE-BAD', confirm: true },
      { order_reference: 'ONE-BAD', confirm: true, card: card('5555555555554444'), token: 'tok_x' },
      { order_reference: 'ONE-BAD', confirm: true, card: card('5555555555554445') },
      { order_reference: 'ONE-BAD', confirm: true, token: 'tok_unknown' },
    ]) {
      const refused = await oneCall(bad);
      assert.ok([400, 402, 404].includes(refused.status), JSON.stringify(refused.body));
      assert.equal(refused.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    }
    assert.equal(await count(), 0, 'nothing was created');
  });

  test('it is one transaction, and the payment is written once: no insert then update', async () => {
    await oneCall({ confirm: true, card: card('4111111111111111') });
    listening = [];
    const paid = await oneCall({ confirm: true, card: card('4111111111111111') });
    const sent = requestStatements(listening).filter(([statement]) => !isKeyLookup(statement));
    listening = undefined;
    assert.equal(paid.body.status, 'succeeded');
    const statements = sent.map(([statement]) => statement);
    assert.equal(statements.filter((s) => s === 'begin').length, 1, statements.join('\n'));
    assert.equal(statements.filter((s) => s === 'commit').length, 1, statements.join('\n'));
    assert.ok(!statements.some((s) => s.startsWith('update "payments"')), 'the payment is written once');
  });
});

describe('changing a payment', () => {
  type Detailed = Payment & {
    description: string | null;
    order_reference: string | null;
    customer_email: string | null;
    metadata: Record<string, string>;
  };

  test('before it is authorized the amount may change, and the confirm charges the new one', async () => {
    const created = await atlas.post<Detailed>('/v1/payments', { amount: 10_000, currency: 'MAD' });
    const changed = await atlas.post<Detailed>(`/v1/payments/${created.body.id}`, { amount: 12_500 });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    assert.equal(changed.body.amount, 12_500);
    const before = (await cardholderBalance('5555555555554444'))!;
    const paid = await atlas.post<Detailed>(`/v1/payments/${created.body.id}/confirm`, {
      card: card('5555555555554444'),
    });
    assert.equal(paid.body.amount_captured, 12_500);
    assert.equal(await cardholderBalance('5555555555554444'), before - 12_500n);

    const late = await atlas.post(`/v1/payments/${created.body.id}`, { amount: 1 });
    assert.equal(late.status, 409);
    assert.equal((await atlas.get<Detailed>(`/v1/payments/${created.body.id}`)).body.amount, 12_500);
  });

  test('description, order reference, e-mail and metadata change at any time; metadata merges', async () => {
    const created = await atlas.post<Detailed>('/v1/payments', {
      amount: 3_000,
      currency: 'MAD',
      description: 'Vol',
      metadata: { cart: 'c-1', agent: 'web' },
    });
    await atlas.post(`/v1/payments/${created.body.id}/confirm`, { card: card('5555555555554444') });
    const email = `changed.${Date.now()}@example.ma`;
    const changed = await atlas.post<Detailed>(`/v1/payments/${created.body.id}`, {
      description: '',
      order_reference: 'CMD-UPD-1',
      customer_email: email,
      metadata: { agent: '', ticket: 'T-9' },
    });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    assert.equal(changed.body.description, null);
    assert.equal(changed.body.order_reference, 'CMD-UPD-1');
    assert.equal(changed.body.customer_email, email);
    assert.deepEqual(changed.body.metadata, { cart: 'c-1', ticket: 'T-9' });
    assert.deepEqual((await atlas.get<Detailed>(`/v1/payments/${created.body.id}`)).body, changed.body);
    // The e-mail is sealed at rest, as at creation (law 09-08).
    assert.deepEqual(await columnsHoldingText(platform.store.db, email), []);
  });

  test("an empty change, another merchant's payment and too much metadata are refused, changing nothing", async () => {
    const created = await atlas.post<Detailed>('/v1/payments', { amount: 3_000, currency: 'MAD' });
    assert.equal((await atlas.post(`/v1/payments/${created.body.id}`, {})).status, 400);
    assert.equal((await marrakech.post(`/v1/payments/${created.body.id}`, { description: 'x' })).status, 404);
    const many = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, 'v']));
    assert.equal((await atlas.post(`/v1/payments/${created.body.id}`, { metadata: many })).status, 200);
    const more = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`m${i}`, 'v']));
    const tooMany = await atlas.post(`/v1/payments/${created.body.id}`, { metadata: more });
    assert.equal(tooMany.status, 422);
    const after = (await atlas.get<Detailed>(`/v1/payments/${created.body.id}`)).body;
    assert.equal(Object.keys(after.metadata).length, 30);
    assert.equal(after.description, null);
  });
});
