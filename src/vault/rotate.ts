import type { VaultService } from './service.js';

/** Runs a key rotation and says, in a paragraph a person can act on, what it did. */
export async function rotateVaultKeys(vault: VaultService): Promise<string> {
  const { dataKeyId, rewrapped } = await vault.rotate();
  const rewrapping =
    rewrapped === 0
      ? 'No key was wrapped by an older master key, so none needed re-wrapping.'
      : `${rewrapped === 1 ? '1 key was' : `${rewrapped} keys were`} re-wrapped under the current master key.`;
  return (
    `New data key ${dataKeyId} now encrypts new cards and secrets; older data keys still decrypt what they ` +
    `encrypted. ${rewrapping} Once every node runs with the current master key, ` +
    'TIJARA_PREVIOUS_MASTER_KEY can be removed.'
  );
}
