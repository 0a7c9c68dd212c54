import assert from 'node:assert/strict';
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import { testStore } from '../../test/support/store.js';
import { luhnCheckDigit } from '../core/card.js';
import { hasPrefix } from '../core/ids.js';
import type { SharedStore } from '../store/store.js';
import { keyringFromKeys } from './keyring.js';
import { rotateVaultKeys } from './rotate.js';
import { createVaultService, type NewCard } from './service.js';

// Statements the store sends, counted where they leave (a held insert is never built by Kysely).
let statements = 0;
const store = await testStore({ onStatement: () => void statements++ });
// Rotation re-wraps every key of a database, and first use needs a vault without keys: their own database.
const freshStore = await testStore();

const keyringA = keyringFromKeys(randomBytes(32));
const vault = createVaultService({ store, keyring: keyringA });

/** A Luhn-valid test PAN with random middle digits. */
function testPan(prefix = '411111', length = 16): string {
  let body = prefix;
  while (body.length < length - 1) body += String(randomInt(10));
  return body + luhnCheckDigit(body);
}

function newCard(pan = testPan()): NewCard {
  return { pan, expMonth: 9, expYear: 2031, holderName: 'Fatima Zahra El Idrissi' };
}

async function emptyVault(s: SharedStore): Promise<void> {
  await sql`delete from vault_cards`.execute(s.db);
  await sql`delete from vault_keys`.execute(s.db);
}

async function keyCounts(s: SharedStore): Promise<Record<string, number>> {
  const { rows } = await sql<{ purpose: string; n: number }>`
    select purpose, count(*)::int as n from vault_keys group by purpose`.execute(s.db);
  return Object.fromEntries(rows.map((r) => [r.purpose, r.n]));
}

describe('vault', () => {
  test('a stored card comes back by its token, and its PAN only through revealPan', async () => {
    const pan = testPan('453201');
    const stored = await vault.storeCard(newCard(pan));
    assert.ok(hasPrefix(stored.token, 'tok'));
    assert.deepEqual(
      { ...stored, token: '', fingerprint: '' },
      {
        token: '',
        fingerprint: '',
        bin: '453201',
        last4: pan.slice(-4),
        brand: 'visa',
        expMonth: 9,
        expYear: 2031,
        holderName: 'Fatima Zahra El Idrissi',
      },
    );
    assert.deepEqual(await vault.getCard(stored.token), stored);
    assert.equal(await vault.revealPan(stored.token), pan);
    assert.equal(await vault.getCard('tok_unknown'), undefined);
    assert.equal(await vault.revealPan('tok_unknown'), undefined);
  });

  test('the stored row holds no PAN: neither whole, nor its middle digits, nor its bytes', async () => {
    const pan = testPan('545454');
    const { token } = await vault.storeCard({ ...newCard(pan), holderName: null });
    const { rows } = await sql<{ bin: string; last4: string; row: string; escaped: string }>`
      select bin, last4, row_to_json(c)::text as row, encode(ciphertext, 'escape') as escaped
      from vault_cards c where token = ${token}`.execute(store.db);
    const row = rows[0]!;
    assert.equal(row.bin, '545454');
    assert.equal(row.last4, pan.slice(-4));
    const text = `${row.row}\n${row.escaped}`;
    for (const secret of [pan, pan.slice(6, -4), Buffer.from(pan).toString('hex')]) {
      assert.ok(!text.includes(secret), `the row shows ${secret}`);
    }
    const { rows: columns } = await sql<{ column_name: string }>`
      select column_name from information_schema.columns where table_name = 'vault_cards'`.execute(store.db);
    assert.deepEqual(
      columns.filter((c) => /cvv|cvc|cvn|security/i.test(c.column_name)),
      [],
      'no column for a CVV',
    );
  });

  test('one PAN under two tokens has one fingerprint; another PAN has another', async () => {
    const pan = testPan();
    const first = await vault.storeCard(newCard(pan));
    const second = await vault.storeCard(newCard(pan));
    const other = await vault.storeCard(newCard(testPan()));
    assert.notEqual(first.token, second.token);
    assert.equal(first.fingerprint, second.fingerprint);
    assert.equal(await vault.fingerprint(pan), first.fingerprint);
    assert.notEqual(other.fingerprint, first.fingerprint);
    assert.match(first.fingerprint, /^[0-9a-f]{64}$/);
    // Keyed: someone holding the table cannot hash every PAN of a BIN range to find a match.
    assert.notEqual(first.fingerprint, createHash('sha256').update(pan).digest('hex'));
  });

  test('refuses a PAN that was not validated, without echoing it', async () => {
    const pan = '4111 1111 1111 1111';
    await assert.rejects(vault.storeCard(newCard(pan)), (error: Error) => !error.message.includes('1111'));
    await assert.rejects(vault.storeCard(newCard('4111111111111112')), /validated PAN/);
  });

  test('a vault holding another master key cannot reveal, and says which key it needs', async () => {
    const { token } = await vault.storeCard(newCard());
    const stranger = createVaultService({ store, keyring: keyringFromKeys(randomBytes(32)) });
    await assert.rejects(stranger.revealPan(token), (error: Error) => {
      assert.ok(error.message.includes(keyringA.current.id), error.message);
      assert.match(error.message, /TIJARA_PREVIOUS_MASTER_KEY/);
      return true;
    });
  });

  test('a ciphertext moved to another card, or altered, does not decrypt', async () => {
    const a = await vault.storeCard(newCard());
    const b = await vault.storeCard(newCard());
    const c = await vault.storeCard(newCard());
    await sql`
      update vault_cards set ciphertext = case token
        when ${a.token} then (select ciphertext from vault_cards where token = ${b.token})
        else (select ciphertext from vault_cards where token = ${a.token}) end
      where token in (${a.token}, ${b.token})`.execute(store.db);
    await sql`
      update vault_cards set ciphertext = set_byte(ciphertext, 30, get_byte(ciphertext, 30) # 1)
      where token = ${c.token}`.execute(store.db);
    for (const token of [a.token, b.token, c.token]) {
      await assert.rejects(vault.revealPan(token), new RegExp(`card ${token} failed authentication`));
    }
  });

  test('a sealed secret opens again, from any node, and not once altered', async () => {
    const secret = 'whsec_3c1f8b0a9d2e4f6a';
    const sealed = await vault.sealSecret(secret);
    assert.match(sealed, /^v1\.dk_[0-9a-z]+\.[A-Za-z0-9_-]+$/);
    assert.ok(!sealed.includes(secret));
    assert.notEqual(await vault.sealSecret(secret), sealed, 'a fresh IV each time');
    assert.equal(await vault.openSecret(sealed), secret);
    const otherNode = createVaultService({ store, keyring: keyringA });
    assert.equal(await otherNode.openSecret(sealed), secret);
    const body = sealed.slice(sealed.lastIndexOf('.') + 1);
    const flipped = `${body.slice(0, 5)}${body[5] === 'A' ? 'B' : 'A'}${body.slice(6)}`;
    await assert.rejects(vault.openSecret(sealed.replace(body, flipped)), /failed authentication/);
    await assert.rejects(vault.openSecret('v1.dk_x'), /not a sealed secret/);
    await assert.rejects(vault.openSecret(sealed.replace(/dk_[0-9a-z]+/, 'dk_missing')), /does not exist/);
  });

  test('the hot path runs one SQL statement at most, none for a fingerprint', async () => {
    const pan = testPan();
    await vault.storeCard(newCard(pan));
    const counting = async (run: () => Promise<unknown>) => {
      statements = 0;
      await run();
      return statements;
    };
    let token = '';
    assert.equal(await counting(async () => ({ token } = await vault.storeCard(newCard(pan)))), 1);
    assert.equal(await counting(() => vault.revealPan(token)), 1);
    assert.equal(await counting(() => vault.fingerprint(pan)), 0);
  });
});

describe('vault keys', () => {
  test('keys first made in a transaction that rolls back are not used afterwards', async () => {
    await emptyVault(freshStore);
    const node = createVaultService({ store: freshStore, keyring: keyringA });
    const pan = testPan();
    await assert.rejects(
      freshStore.transaction(async (trx) => {
        await node.storeCard(newCard(pan), trx);
        throw new Error('payment failed');
      }),
      /payment failed/,
    );
    assert.deepEqual(await keyCounts(freshStore), {});
    const { token, fingerprint } = await node.storeCard(newCard(pan));
    assert.equal(await node.revealPan(token), pan);
    const otherNode = createVaultService({ store: freshStore, keyring: keyringA });
    assert.equal(await otherNode.fingerprint(pan), fingerprint);
  });

  test('nodes starting together make one fingerprint key and one data key', async () => {
    await emptyVault(freshStore);
    const pan = testPan();
    const nodes = Array.from({ length: 4 }, () =>
      createVaultService({ store: freshStore, keyring: keyringA }),
    );
    const cards = await Promise.all(nodes.map((node) => node.storeCard(newCard(pan))));
    assert.equal(new Set(cards.map((c) => c.fingerprint)).size, 1);
    assert.deepEqual(await keyCounts(freshStore), { data: 1, fingerprint: 1 });
  });

  test('rotation re-wraps every key under the new master key; the old one is then not needed', async () => {
    await emptyVault(freshStore);
    const vaultA = createVaultService({ store: freshStore, keyring: keyringA });
    const pans = [testPan('411111'), testPan('512345'), testPan('376543', 15)];
    const before = await Promise.all(pans.map((pan) => vaultA.storeCard(newCard(pan))));
    const sealed = await vaultA.sealSecret('cmi-store-key-7f3a');

    const keyB = randomBytes(32);
    const rotating = createVaultService({
      store: freshStore,
      keyring: keyringFromKeys(keyB, [keyringA.current.key]),
    });
    const { dataKeyId, rewrapped } = await rotating.rotate();
    assert.equal(rewrapped, 2, 'the data key and the fingerprint key');
    const keyringB = keyringFromKeys(keyB);
    const { rows: keys } = await sql<{ id: string; master_key_id: string; retired: boolean }>`
      select id, master_key_id, retired_at is not null as retired from vault_keys`.execute(freshStore.db);
    assert.deepEqual(new Set(keys.map((k) => k.master_key_id)), new Set([keyringB.current.id]));
    assert.deepEqual(
      keys.filter((k) => !k.retired && k.id !== dataKeyId).length,
      1,
      'only the fingerprint key',
    );

    const vaultB = createVaultService({ store: freshStore, keyring: keyringB });
    for (const [i, card] of before.entries()) {
      assert.equal(await vaultB.revealPan(card.token), pans[i]);
      assert.equal(await vaultB.fingerprint(pans[i]!), card.fingerprint);
    }
    assert.equal(await vaultB.openSecret(sealed), 'cmi-store-key-7f3a');
    const nodeWithOnlyA = createVaultService({ store: freshStore, keyring: keyringA });
    await assert.rejects(nodeWithOnlyA.revealPan(before[0]!.token), new RegExp(keyringB.current.id));

    const after = await vaultB.storeCard(newCard(pans[0]));
    const { rows } = await sql<{ key_id: string }>`
      select key_id from vault_cards where token = ${after.token}`.execute(freshStore.db);
    assert.equal(rows[0]?.key_id, dataKeyId);
    assert.equal(after.fingerprint, before[0]?.fingerprint);

    const report = await rotateVaultKeys(vaultB);
    assert.match(report, /New data key dk_\w+ now encrypts new cards/);
    assert.match(report, /No key was wrapped by an older master key/);
    assert.ok(!report.includes(dataKeyId), 'a second rotation starts another data key');
  });
});
