import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError, decodeKey32, isKey32 } from '../core/config.js';
import { KEY_BYTES, newKey, sha256Hex } from './cipher.js';

/** A master key wraps the vault's data keys; it lives in configuration, never in the database. */
export interface MasterKey {
  /** 'mk_' + the first 16 hex digits of the key's SHA-256: names the key without revealing it. */
  id: string;
  key: Buffer;
}

/** The key that wraps from now on, and the ones being rotated away from (still read, never written). */
export interface Keyring {
  current: MasterKey;
  previous: MasterKey[];
}

const KEY_FORMAT = 'must be 32 bytes as base64 (44 characters) or hex (64 characters)';

export function masterKey(key: Buffer): MasterKey {
  if (key.length !== KEY_BYTES) throw new Error(`a master key is ${KEY_BYTES} bytes, not ${key.length}`);
  return { id: `mk_${sha256Hex(key).slice(0, 16)}`, key };
}

export function keyringFromKeys(current: Buffer, previous: Buffer[] = []): Keyring {
  const currentKey = masterKey(current);
  return {
    current: currentKey,
    previous: previous.map(masterKey).filter((k) => k.id !== currentKey.id),
  };
}

/** The master key with this id, if the keyring holds it. */
export function findMasterKey(keyring: Keyring, id: string): MasterKey | undefined {
  return [keyring.current, ...keyring.previous].find((k) => k.id === id);
}

/**
 * From configuration: TIJARA_MASTER_KEY, else TIJARA_MASTER_KEY_FILE, else (only when `devKeyFile` is
 * given, i.e. on an embedded development database) a key file created on first use with mode 0600.
 */
export function loadKeyring(options: {
  masterKey?: string;
  masterKeyFile?: string;
  previousMasterKey?: string;
  devKeyFile?: string;
}): Keyring {
  const previous =
    options.previousMasterKey === undefined
      ? []
      : [keyFromText(options.previousMasterKey, 'TIJARA_PREVIOUS_MASTER_KEY', KEY_FORMAT)];
  return keyringFromKeys(currentMasterKey(options), previous);
}

function currentMasterKey(options: { masterKey?: string; masterKeyFile?: string; devKeyFile?: string }) {
  if (options.masterKey !== undefined) return keyFromText(options.masterKey, 'TIJARA_MASTER_KEY', KEY_FORMAT);
  if (options.masterKeyFile !== undefined)
    return readKeyFile(options.masterKeyFile, 'TIJARA_MASTER_KEY_FILE');
  if (options.devKeyFile !== undefined) return devKey(options.devKeyFile);
  throw new ConfigError(
    'TIJARA_MASTER_KEY',
    'is required when DATABASE_URL is set (or set TIJARA_MASTER_KEY_FILE)',
  );
}

function keyFromText(text: string, setting: string, problem: string): Buffer {
  if (!isKey32(text)) throw new ConfigError(setting, problem);
  return decodeKey32(text);
}

function readKeyFile(path: string, setting: string, what = `file ${path}`): Buffer {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(
      setting,
      `cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  return keyFromText(text, setting, `${what} holds no valid key: it ${KEY_FORMAT}`);
}

/** The development key: read if it exists, else created with a fresh random key that only its owner may read. */
function devKey(path: string): Buffer {
  if (!existsSync(path)) createKeyFile(path);
  return readKeyFile(path, 'TIJARA_MASTER_KEY', `is unset and the development key file ${path}`);
}

function createKeyFile(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  // Written aside then linked into place, so a process starting at the same moment never reads a
  // half-written file, and the first one to link wins.
  const draft = `${path}.${process.pid}.tmp`;
  writeFileSync(draft, `${newKey().toString('base64')}\n`, { mode: 0o600 });
  try {
    linkSync(draft, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(draft);
  }
}
