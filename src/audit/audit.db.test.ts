import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { text } from 'node:stream/consumers';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import { testStore } from '../../test/support/store.js';
import { manualClock } from '../core/clock.js';
import { ownTables, type SharedDb } from '../store/store.js';
import { recordHash } from './chain.js';
import { describeVerdict, exportAuditCommand, verifyAuditCommand } from './cli.js';
import {
  AUDIT_COLUMNS,
  type AuditEntry,
  type AuditRecord,
  type AuditTables,
  toAuditRecord,
} from './model.js';
import { type ChainVerdict, createAuditLog } from './service.js';

// Every statement sent, to check what the sealer sends.
const statements: string[] = [];
const store = await testStore({ onStatement: (text) => statements.push(text) });
const clock = manualClock(new Date('2025-03-01T09:00:00.000Z'));
const audit = createAuditLog({ store, clock });
let counter = 0;
// Transactions rolled back (and retried) so far: under READ COMMITTED the append lock should leave none.
let rollbacks = 0;
store.onRollback(() => {
  rollbacks += 1;
});

function entry(overrides: Partial<AuditEntry> = {}): AuditEntry {
  counter += 1;
  clock.advance(1000);
  return {
    actor: { type: 'user', id: 'usr_supervisor', organisationId: 'org_authority' },
    action: 'card.block',
    target: { type: 'card', id: `card_${counter}` },
    details: { reason: 'reported stolen', amount: 25_000n },
    ip: '196.200.1.1',
    requestId: `req_${counter}`,
    ...overrides,
  };
}

/** Appends outside any transaction (sealed at once) and reads the record back from the chain. */
async function appended(e: AuditEntry = entry()): Promise<AuditRecord> {
  return chained(await audit.append(e));
}

async function chained(id: string): Promise<AuditRecord> {
  const row = await ownTables<AuditTables>(store.db)
    .selectFrom('audit_log')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  return toAuditRecord(row);
}

async function pendingCount(): Promise<number> {
  const { n } = await ownTables<AuditTables>(store.db)
    .selectFrom('audit_pending')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(n);
}

async function appendMany(count: number): Promise<AuditRecord[]> {
  const records: AuditRecord[] = [];
  for (let i = 0; i < count; i++) records.push(await appended());
  return records;
}

async function intactRecords(): Promise<number> {
  const verdict = await audit.verify();
  assert.equal(
    verdict.ok,
    true,
    JSON.stringify(verdict, (_, v) => (typeof v === 'bigint' ? `${v}` : v)),
  );
  return verdict.records;
}

const rolledBack = new Error('rolled back on purpose');

/**
 * Tampers with the log as someone with raw database access could (append-only trigger switched off),
 * verifies inside that transaction, then rolls it all back so the next test finds the chain intact.
 */
async function verdictAfterTampering(tamper: (trx: SharedDb) => Promise<unknown>): Promise<ChainVerdict> {
  let verdict: ChainVerdict | undefined;
  await assert.rejects(
    store.db.transaction().execute(async (trx) => {
      await sql`alter table audit_log disable trigger user`.execute(trx);
      await tamper(trx);
      await sql`alter table audit_log enable trigger user`.execute(trx);
      verdict = await audit.verify(trx);
      throw rolledBack;
    }),
    (error) => error === rolledBack,
  );
  return verdict!;
}

function assertBrokenAt(
  verdict: ChainVerdict,
  record: AuditRecord,
  reason: RegExp,
  intactBefore: bigint = record.seq - 1n,
) {
  assert.equal(verdict.ok, false, 'verify should have found the tampering');
  if (verdict.ok) return;
  assert.equal(verdict.brokenAt.seq, record.seq);
  assert.equal(verdict.brokenAt.id, record.id);
  assert.match(verdict.brokenAt.reason, reason);
  assert.equal(BigInt(verdict.records), intactBefore, 'every record before it is intact');
}

/** RFC 4180, enough to read the export back. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') field += text[++i];
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      rows.push([...row, field]);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  return rows;
}

describe('audit trail', () => {
  test('appended records chain to one another and verify', async () => {
    const records = await appendMany(3);
    const first = records[0]!;
    assert.equal(first.seq, 1n);
    assert.equal(first.prevHash, '0'.repeat(64));
    assert.match(first.id, /^aud_/);
    assert.deepEqual(first.details, { reason: 'reported stolen', amount: '25000' });
    for (const [i, record] of records.entries()) {
      if (i > 0) assert.equal(record.prevHash, records[i - 1]!.hash);
      assert.equal(record.hash, recordHash(record));
    }
    assert.deepEqual(await audit.list({ limit: 3 }), [...records].reverse(), 'stored as returned');
    assert.equal(await intactRecords(), 3);
  });

  test('an edited field is found at exactly that record', async () => {
    const [, edited] = await appendMany(3);
    assertBrokenAt(
      await verdictAfterTampering((trx) =>
        sql`update audit_log set details = '{"reason":"lost"}' where seq = ${edited!.seq}`.execute(trx),
      ),
      edited!,
      /hash mismatch/,
    );
    assertBrokenAt(
      await verdictAfterTampering((trx) =>
        sql`update audit_log set action = 'card.unblock' where seq = ${edited!.seq}`.execute(trx),
      ),
      edited!,
      /hash mismatch/,
    );
  });

  test('an edit whose hash was recomputed breaks the link to the next record', async () => {
    const [edited, next] = await appendMany(2);
    const forged = { ...edited!, action: 'card.unblock' };
    assertBrokenAt(
      await verdictAfterTampering((trx) =>
        sql`update audit_log set action = ${forged.action}, hash = ${recordHash(forged)}
             where seq = ${edited!.seq}`.execute(trx),
      ),
      next!,
      new RegExp(`prev_hash is not the hash of record #${edited!.seq}`),
    );
  });

  test('a deleted record in the middle is found as a gap', async () => {
    const [, deleted, after] = await appendMany(3);
    assertBrokenAt(
      await verdictAfterTampering((trx) =>
        sql`delete from audit_log where seq = ${deleted!.seq}`.execute(trx),
      ),
      after!,
      new RegExp(`record #${deleted!.seq} is missing`),
      deleted!.seq - 1n,
    );
  });

  test('a record inserted with a forged prev_hash is found', async () => {
    const [last] = await appendMany(1);
    const forged = {
      ...last!,
      seq: last!.seq + 1n,
      id: 'aud_forged',
      action: 'payment.refund',
      prevHash: 'f'.repeat(64),
    };
    assertBrokenAt(
      await verdictAfterTampering((trx) =>
        sql`insert into audit_log (seq, id, at, actor_type, actor_id, action, details, prev_hash, hash)
            values (${forged.seq}, ${forged.id}, ${forged.at}, ${forged.actorType}, ${forged.actorId},
                    ${forged.action}, ${JSON.stringify(forged.details)}::jsonb, ${forged.prevHash},
                    ${recordHash({ ...forged, organisationId: null, targetType: null, targetId: null, ip: null, requestId: null })})`.execute(
          trx,
        ),
      ),
      forged,
      new RegExp(`prev_hash is not the hash of record #${last!.seq}`),
    );
  });

  test('the database refuses a hash that is not 64 lower-case hex digits', async () => {
    const [last] = await appendMany(1);
    const good = 'a'.repeat(64);
    for (const bad of ['A'.repeat(64), 'a'.repeat(63), `${'a'.repeat(63)}g`, `${'a'.repeat(64)}\n`]) {
      for (const [prevHash, hash] of [
        [bad, good],
        [good, bad],
      ]) {
        await assert.rejects(
          sql`insert into audit_log (seq, id, at, actor_type, actor_id, action, prev_hash, hash)
              values (${last!.seq + 1n}, 'aud_bad_hash', now(), 'system', 'test', 'test.bad_hash', ${prevHash}, ${hash})`.execute(
            store.db,
          ),
          /violates check constraint "sha256_hex_check"/,
        );
      }
    }
    await intactRecords();
  });

  test('the database refuses UPDATE, DELETE and TRUNCATE', async () => {
    const [record] = await appendMany(1);
    await assert.rejects(
      sql`update audit_log set action = 'card.unblock' where seq = ${record!.seq}`.execute(store.db),
      /audit_log is append-only/,
    );
    await assert.rejects(
      sql`delete from audit_log where seq = ${record!.seq}`.execute(store.db),
      /audit_log is append-only/,
    );
    await assert.rejects(sql`truncate audit_log`.execute(store.db), /audit_log is append-only/);
    assert.deepEqual((await audit.list({ limit: 1 }))[0], record);
    await intactRecords();
  });

  test('a record appended in a transaction that rolls back leaves no trace and no gap', async () => {
    const before = await intactRecords();
    const [head] = await audit.list({ limit: 1 });
    const doomed = entry({ action: 'payment.refund' });
    await assert.rejects(
      store.transaction(async (trx) => {
        await audit.append(doomed, trx);
        throw rolledBack;
      }),
      (error) => error === rolledBack,
    );
    assert.equal(await intactRecords(), before);
    assert.deepEqual(
      await audit.list({ limit: 10, action: 'payment.refund', targetId: doomed.target!.id }),
      [],
    );
    const next = await appended();
    assert.equal(next.seq, head!.seq + 1n, 'the next record takes the number the rolled-back one had');
    assert.equal(next.prevHash, head!.hash);
    assert.equal(await intactRecords(), before + 1);
  });

  test('20 concurrent appenders make one chain without forks or gaps', async () => {
    const before = await intactRecords();
    const rollbacksBefore = rollbacks;
    const ids = await Promise.all(Array.from({ length: 20 }, () => audit.append(entry())));
    const records = await Promise.all(ids.map(chained));
    assert.equal(rollbacks, rollbacksBefore, 'sealers took turns: none collided and retried');
    const seqs = records.map((r) => r.seq).sort((a, b) => (a < b ? -1 : 1));
    assert.deepEqual(
      seqs,
      Array.from({ length: 20 }, (_, i) => BigInt(before + 1 + i)),
    );
    assert.equal(new Set(records.map((r) => r.prevHash)).size, 20, 'no two records share a predecessor');
    assert.equal(await intactRecords(), before + 20);
  });

  test('concurrent appenders inside their callers’ transactions also make one chain', async () => {
    const before = await intactRecords();
    await Promise.all(
      Array.from({ length: 20 }, () =>
        store.transaction(async (trx) => {
          await sql`select 1`.execute(trx);
          return audit.append(entry(), trx);
        }),
      ),
    );
    assert.equal(await intactRecords(), before + 20);
  });

  test('appenders in REPEATABLE READ transactions, whose snapshots predate the head, do not fork it', async () => {
    const before = await intactRecords();
    await Promise.all(
      Array.from({ length: 5 }, () =>
        store.transaction(
          async (trx) => {
            // The snapshot is taken here, possibly before another appender commits.
            await audit.list({ limit: 1 }, trx);
            return audit.append(entry(), trx);
          },
          { isolation: 'repeatable read', attempts: 20 },
        ),
      ),
    );
    assert.equal(await intactRecords(), before + 5);
  });

  test('a record appended in a transaction waits as pending until a seal, then joins the chain', async () => {
    const before = await intactRecords();
    const pending = entry({ action: 'payment.capture' });
    await store.transaction((trx) => audit.append(pending, trx));
    assert.equal(await pendingCount(), 1, 'committed with its change, not chained yet');
    const stop = audit.startSealing(5, (error) => assert.fail(String(error)));
    while ((await pendingCount()) > 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await stop();
    const [record] = await audit.list({ limit: 1, action: 'payment.capture', targetId: pending.target!.id });
    assert.equal(record?.seq, BigInt(before + 1));
    assert.equal(await intactRecords(), before + 1);
  });

  test('readers seal first: what committed is listed and verified at once', async () => {
    const before = await intactRecords();
    const read = entry({ action: 'data.read' });
    await store.transaction((trx) => audit.append(read, trx));
    const [record] = await audit.list({ limit: 1 });
    assert.equal(record?.targetId, read.target!.id);
    assert.equal(await pendingCount(), 0);
    assert.equal(await intactRecords(), before + 1);
  });

  test('list filters by action, actor and target, newest first, and pages with before', async () => {
    const actor = { type: 'api_key' as const, id: `key_${counter}` };
    const a = await appended(entry({ actor, action: 'payment.refund' }));
    const b = await appended(entry({ actor, action: 'payment.refund' }));
    await audit.append(entry({ actor, action: 'data.read', target: { type: 'card', id: 'card_pan' } }));
    assert.deepEqual(
      (await audit.list({ limit: 10, actorId: actor.id, action: 'payment.refund' })).map((r) => r.id),
      [b.id, a.id],
    );
    assert.deepEqual(
      (await audit.list({ limit: 10, actorId: actor.id, before: b.seq })).map((r) => r.id),
      [a.id],
    );
    const [read] = await audit.list({ limit: 10, targetId: 'card_pan' });
    assert.equal(read?.action, 'data.read');
    assert.equal(read?.organisationId, null);
  });

  test('the CSV export has a header and one escaped line per record', async () => {
    const tricky = await appended(
      entry({ action: 'merchant.note', details: { note: 'Rabat, quartier "Agdal"\nbureau 2' } }),
    );
    const chunks: string[] = [];
    for await (const chunk of audit.exportCsv()) chunks.push(chunk);
    assert.ok(chunks.every((c) => c.endsWith('\r\n')));
    assert.equal(chunks[0], `${AUDIT_COLUMNS.join(',')}\r\n`);
    const total = await intactRecords();
    assert.equal(chunks.length, total + 1);
    const rows = parseCsv(chunks.join(''));
    assert.equal(rows.length, total + 1);
    assert.ok(rows.every((row) => row.length === AUDIT_COLUMNS.length));
    const line = chunks.find((c) => c.includes(tricky.id))!;
    assert.ok(line.includes('"{""note"":""Rabat, quartier \\""Agdal\\""\\nbureau 2""}"'), line);
    const row = rows.find((r) => r[1] === tricky.id)!;
    const column = (name: (typeof AUDIT_COLUMNS)[number]) => row[AUDIT_COLUMNS.indexOf(name)];
    assert.deepEqual(JSON.parse(column('details')!), { note: 'Rabat, quartier "Agdal"\nbureau 2' });
    assert.equal(column('seq'), `${tricky.seq}`);
    assert.equal(column('at'), tricky.at.toISOString());
    assert.equal(column('hash'), tricky.hash);
    assert.deepEqual(
      rows.slice(1).map((r) => r[0]),
      Array.from({ length: total }, (_, i) => `${i + 1}`),
      'in sequence order',
    );
  });

  test('the export can be limited to a time range', async () => {
    clock.advance(1); // past the previous test's last record
    const from = clock.now();
    const inside = await appended();
    const chunks: string[] = [];
    for await (const chunk of audit.exportCsv({ from, until: new Date(from.getTime() + 60_000) }))
      chunks.push(chunk);
    assert.equal(chunks.length, 2);
    assert.ok(chunks[1]!.startsWith(`${inside.seq},${inside.id},`));
  });

  test('the export command writes the whole CSV to a stream', async () => {
    const total = await intactRecords();
    const output = new PassThrough();
    const written = text(output);
    assert.equal(await exportAuditCommand(store, output), total);
    output.end();
    assert.equal((await written).split('\r\n').length, total + 2, 'header, records, and the empty tail');
  });

  test('the verify command prints one line and exits 0 or 1', async () => {
    const total = await intactRecords();
    assert.deepEqual(await verifyAuditCommand(store), {
      exitCode: 0,
      message: `audit trail intact: ${total} records`,
    });
    assert.deepEqual(
      describeVerdict({
        ok: false,
        records: 3,
        brokenAt: { seq: 4n, id: 'aud_x', reason: 'record #3 is missing' },
      }),
      { exitCode: 1, message: 'audit trail BROKEN at record #4 (aud_x): record #3 is missing' },
    );
  });
});

describe('sealing', () => {
  test('batches of any size are sealed with one statement text (one prepared statement)', async () => {
    await audit.seal();
    const sealInserts = () => statements.filter((text) => /insert into audit_log/.test(text));
    const before = sealInserts().length;
    for (const size of [1, 3, 7]) {
      await store.transaction(async (trx) => {
        for (let i = 0; i < size; i++) await audit.append(entry(), trx);
      });
      assert.equal(await audit.seal(), size);
    }
    const sent = sealInserts().slice(before);
    assert.equal(sent.length, 3);
    assert.equal(new Set(sent).size, 1);
    assert.equal((await audit.verify()).ok, true);
  });

  test('records another process wrote are read back and chained with this one’s', async () => {
    const before = await intactRecords();
    const otherProcess = createAuditLog({ store, clock });
    await store.transaction(async (trx) => {
      await audit.append(entry(), trx);
      await otherProcess.append(entry({ action: 'merchant.vet' }), trx);
      await audit.append(entry(), trx);
    });
    assert.equal(await audit.seal(), 3);
    const [vetted] = await audit.list({ limit: 1, action: 'merchant.vet' });
    assert.equal(vetted?.seq, BigInt(before + 2));
    assert.equal(await intactRecords(), before + 3);
  });

  test('what the sealer hashes is what was stored, whatever the texts and numbers', async () => {
    const before = await intactRecords();
    const awkward = [
      entry({
        details: { big: 1e21, tiny: 5e-324, sum: 0.1 + 0.2, negativeZero: -0, nested: { z: [1, 'é'] } },
      }),
      entry({ details: { text: 'مرحبا \u2028 "quoted" \\ back', emoji: '💳', empty: '' } }),
      // A lone surrogate cannot be stored as it is (the driver sends U+FFFD): it must not break the chain.
      entry({ actor: { type: 'user', id: 'usr_\ud800' }, ip: null, requestId: null }),
    ];
    await store.transaction(async (trx) => {
      for (const e of awkward) await audit.append(e, trx);
    });
    assert.equal(await audit.seal(), awkward.length);
    assert.equal(await intactRecords(), before + awkward.length);
  });
});
