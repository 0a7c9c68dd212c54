import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError } from '../core/config.js';
import { keyringFromKeys, loadKeyring } from './keyring.js';

const folder = mkdtempSync(join(tmpdir(), 'tijara-keyring-'));
const key = randomBytes(32);

describe('keyring', () => {
  test('a master key is named by its hash, never by its bytes', () => {
    const ring = keyringFromKeys(key);
    assert.match(ring.current.id, /^mk_[0-9a-f]{16}$/);
    assert.ok(!ring.current.id.includes(key.toString('hex').slice(0, 8)));
    assert.equal(keyringFromKeys(Buffer.from(key)).current.id, ring.current.id);
    assert.notEqual(keyringFromKeys(randomBytes(32)).current.id, ring.current.id);
    assert.throws(() => keyringFromKeys(randomBytes(16)), /32 bytes/);
  });

  test('the master key is read from hex or from base64, with the previous one beside it', () => {
    const previous = randomBytes(32);
    const fromHex = loadKeyring({
      masterKey: key.toString('hex'),
      previousMasterKey: previous.toString('hex'),
    });
    const fromBase64 = loadKeyring({ masterKey: key.toString('base64') });
    assert.deepEqual(fromHex.current.key, key);
    assert.deepEqual(fromBase64.current, fromHex.current);
    assert.deepEqual(fromBase64.previous, []);
    assert.deepEqual(
      fromHex.previous.map((k) => k.key),
      [previous],
    );
  });

  test('the master key wins over a key file, which is read when no key is given', () => {
    const path = join(folder, 'given.key');
    writeFileSync(path, `${key.toString('base64')}\n`);
    assert.deepEqual(loadKeyring({ masterKeyFile: path }).current.key, key);
    const other = randomBytes(32);
    assert.deepEqual(
      loadKeyring({ masterKey: other.toString('hex'), masterKeyFile: path }).current.key,
      other,
    );
  });

  test('a development key file is made once, readable by its owner only, then reused', () => {
    const path = join(folder, 'dev', '.tijara', 'master.key');
    const first = loadKeyring({ devKeyFile: path });
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.deepEqual(Buffer.from(readFileSync(path, 'utf8').trim(), 'base64'), first.current.key);
    assert.deepEqual(loadKeyring({ devKeyFile: path }).current, first.current);
  });

  test('no key to be had is a ConfigError naming the setting', () => {
    assert.throws(
      () => loadKeyring({}),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.setting === 'TIJARA_MASTER_KEY' &&
        /required when DATABASE_URL is set/.test(error.message),
    );
  });

  test('a bad key or a file without a key is a ConfigError that does not echo the key', () => {
    const bad = 'not-a-key-at-all';
    const cases: [() => unknown, string][] = [
      [() => loadKeyring({ masterKey: bad }), 'TIJARA_MASTER_KEY'],
      [
        () => loadKeyring({ masterKey: key.toString('hex'), previousMasterKey: bad }),
        'TIJARA_PREVIOUS_MASTER_KEY',
      ],
      [() => loadKeyring({ masterKeyFile: join(folder, 'missing.key') }), 'TIJARA_MASTER_KEY_FILE'],
    ];
    const junk = join(folder, 'junk.key');
    writeFileSync(junk, bad);
    cases.push([() => loadKeyring({ masterKeyFile: junk }), 'TIJARA_MASTER_KEY_FILE']);
    cases.push([() => loadKeyring({ devKeyFile: junk }), 'TIJARA_MASTER_KEY']);
    for (const [load, setting] of cases) {
      assert.throws(load, (error: unknown) => {
        assert.ok(error instanceof ConfigError, String(error));
        assert.equal(error.setting, setting);
        assert.ok(!error.message.includes(bad), error.message);
        return true;
      });
    }
  });
});
