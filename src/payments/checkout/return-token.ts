import { exportJWK, generateKeyPair, importJWK, type JWK, jwtVerify, SignJWT } from 'jose';
import { readMeta, writeMeta } from '../../store/meta.js';
import type { SharedStore } from '../../store/store.js';
import type { VaultService } from '../../vault/service.js';
import type { PaymentRow } from '../model.js';

const KEY_META = 'return_signing_key';
const ISSUER = 'tijara';

/**
 * The browser goes back to the merchant with `?payment=…&status=…&token=…`: the token is a JWT signed
 * with Tijara's Ed25519 key, whose public half is published at /v1/jwks.json, so any merchant can check
 * the result without a shared secret (and should still fetch the payment before shipping goods).
 */
export function createReturnSigner(deps: { store: SharedStore; vault: VaultService }) {
  let keys: Promise<{ privateKey: CryptoKey; publicJwk: JWK }> | undefined;

  async function load() {
    const sealed = await readMeta(deps.store.db, KEY_META);
    let privateJwk: JWK;
    if (sealed) {
      privateJwk = JSON.parse(await deps.vault.openSecret(sealed)) as JWK;
    } else {
      const pair = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
      privateJwk = {
        ...(await exportJWK(pair.privateKey)),
        kid: `ret_${Date.now().toString(36)}`,
        alg: 'EdDSA',
      };
      // Two nodes racing here would each write a key; the first written wins for everyone after a restart.
      await writeMeta(deps.store.db, KEY_META, await deps.vault.sealSecret(JSON.stringify(privateJwk)));
    }
    const { d: _private, ...publicJwk } = privateJwk;
    return { privateKey: (await importJWK(privateJwk, 'EdDSA')) as CryptoKey, publicJwk };
  }

  const keyPair = () => (keys ??= load());

  return {
    async sign(payment: PaymentRow): Promise<string> {
      const { privateKey, publicJwk } = await keyPair();
      return new SignJWT({
        status: payment.status,
        amount: Number(payment.amount),
        currency: payment.currency,
        order_reference: payment.order_reference,
      })
        .setProtectedHeader({ alg: 'EdDSA', kid: publicJwk.kid ?? '' })
        .setIssuer(ISSUER)
        .setSubject(payment.id)
        .setAudience(payment.merchant_id)
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(privateKey);
    },
    async jwks(): Promise<{ keys: JWK[] }> {
      return { keys: [(await keyPair()).publicJwk] };
    },
    /** What a merchant does, for our own tests. */
    async verify(token: string, merchantId: string) {
      const { publicJwk } = await keyPair();
      const { payload } = await jwtVerify(token, await importJWK(publicJwk, 'EdDSA'), {
        issuer: ISSUER,
        audience: merchantId,
      });
      return payload;
    },
  };
}

export type ReturnSigner = ReturnType<typeof createReturnSigner>;
