import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { type Config, ConfigError, loadConfig, settings } from './config.js';
import { hasPrefix, newId } from './ids.js';
import { createLogger, maskPans } from './logger.js';
import { currencies, formatDecimalAmount, parseDecimalAmount } from './money.js';

describe('money', () => {
  test('decimal text converts to minor units without floats, and back', () => {
    assert.equal(parseDecimalAmount('123.45', currencies.MAD), 12_345n);
    assert.equal(parseDecimalAmount('0.1', currencies.MAD), 10n);
    assert.equal(parseDecimalAmount('7', currencies.MAD), 700n);
    assert.equal(parseDecimalAmount('90071992547409.93', currencies.MAD), 9_007_199_254_740_993n);
    assert.equal(parseDecimalAmount('1.234', currencies.MAD), undefined);
    assert.equal(parseDecimalAmount('-1', currencies.MAD), undefined);
    assert.equal(parseDecimalAmount('1e3', currencies.MAD), undefined);
    assert.equal(formatDecimalAmount(12_345n, currencies.MAD), '123.45');
    assert.equal(formatDecimalAmount(5n, currencies.MAD), '0.05');
    assert.equal(formatDecimalAmount(-100n, currencies.MAD), '-1.00');
  });
});

describe('ids', () => {
  test('ids are prefixed and sort by creation time', () => {
    const early = newId('pay', 1_700_000_000_000);
    const late = newId('pay', 1_700_000_000_001);
    assert.ok(hasPrefix(early, 'pay'));
    assert.ok(early < late);
    assert.notEqual(newId('pay'), newId('pay'));
  });

  test('the time part is the ULID encoding of the milliseconds; the random part uses every letter', () => {
    assert.equal(newId('x', 0).slice(2, 12), '0000000000');
    assert.equal(newId('x', 2 ** 48 - 1).slice(2, 12), '7zzzzzzzzz');
    assert.equal(newId('x', 1_700_000_000_000).slice(2, 12), '01hf7yat00');
    // 5,000 ids, one per millisecond (several refills of the random pool): all distinct, every base-32
    // letter in each position.
    const ids = Array.from({ length: 5_000 }, (_, i) => newId('x', 1_800_000_000_000 + i));
    assert.equal(new Set(ids).size, ids.length);
    for (let position = 12; position < 28; position++) {
      assert.equal(new Set(ids.map((id) => id[position])).size, 32, `position ${position}`);
    }
  });

  test('ids made in one millisecond sort in the order they were made, by steps nobody can guess', () => {
    const ids = Array.from({ length: 2_000 }, () => newId('x', 1_900_000_000_000));
    assert.deepEqual([...ids].sort(), ids);
    const steps = new Set(ids.slice(1).map((id, i) => decode(id) - decode(ids[i]!)));
    assert.equal(steps.size, ids.length - 1, 'each step is its own');
  });
});

/** The random part of an id as a number, to measure the steps between ids. */
function decode(id: string): bigint {
  let value = 0n;
  for (const letter of id.slice(12))
    value = value * 32n + BigInt('0123456789abcdefghjkmnpqrstvwxyz'.indexOf(letter));
  return value;
}

describe('config', () => {
  test('defaults, environment and flags, in that order of precedence', () => {
    const config = loadConfig({ PORT: '4000', TIJARA_WORKERS: 'false' }, { port: '5000' });
    assert.equal(config.port, 5000);
    assert.equal(config.workers, false);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.databaseUrl, undefined);
  });

  test('a bad value names its setting', () => {
    assert.throws(
      () => loadConfig({ PORT: '70000' }),
      (e: unknown) => e instanceof ConfigError && e.setting === 'PORT',
    );
    assert.throws(() => loadConfig({ DATABASE_URL: 'mysql://x' }), /DATABASE_URL must start with postgres/);
    assert.throws(() => loadConfig({ LOG_LEVEL: 'loud' }), /LOG_LEVEL must be one of/);
    assert.throws(
      () => loadConfig({ TIJARA_ONBOARDING_HOSTS: 'shop.test' }),
      /TIJARA_ONBOARDING_HOSTS must be/,
    );
    assert.throws(
      () => loadConfig({ TIJARA_ONBOARDING_HOSTS: 'shop.test=inside.lan' }),
      /each address an IP/,
    );
    assert.throws(
      () => loadConfig({ TIJARA_ONBOARDING_DNS: 'dns.example' }),
      /TIJARA_ONBOARDING_DNS must be/,
    );
  });

  test('the mail server: an smtp(s) URL, never echoed back (it may hold a password); the sender an address', () => {
    const config = loadConfig({ TIJARA_SMTP_URL: 'smtps://tijara:s3cret@mail.example.ma:465' });
    assert.equal(config.smtpUrl, 'smtps://tijara:s3cret@mail.example.ma:465');
    assert.equal(config.mailFrom, 'Tijara <no-reply@tijara.example.ma>');
    for (const bad of ['http://tijara:s3cret@mail.example.ma', 'tijara:s3cret@mail', 'smtp://'])
      assert.throws(
        () => loadConfig({ TIJARA_SMTP_URL: bad }),
        (e: unknown) =>
          e instanceof ConfigError && /must be an smtp/.test(e.message) && !/s3cret/.test(e.message),
        bad,
      );
    assert.equal(
      loadConfig({ TIJARA_MAIL_FROM: 'Tijara Pay <pay@tijara.ma>' }).mailFrom,
      'Tijara Pay <pay@tijara.ma>',
    );
    assert.throws(
      () => loadConfig({ TIJARA_MAIL_FROM: 'Tijara' }),
      /TIJARA_MAIL_FROM must be an e-mail address/,
    );
  });

  test('the vetting checks’ settings parse into what the checks use', () => {
    const config = loadConfig({
      TIJARA_ONBOARDING_DNS: '1.1.1.1, 127.0.0.1:5353, [::1]:53',
      TIJARA_ONBOARDING_HOSTS: 'shop.test=127.0.0.1,other.test=::1',
    });
    assert.deepEqual(config.onboardingDns, ['1.1.1.1', '127.0.0.1:5353', '[::1]:53']);
    assert.deepEqual(config.onboardingHosts, { 'shop.test': '127.0.0.1', 'other.test': '::1' });
    assert.deepEqual([config.onboardingHttpPort, config.onboardingHttpsPort], [80, 443]);
  });

  test('the demo data and pages are on by default for the embedded database only', () => {
    const pick = (config: Config) => [config.seed, config.demo];
    const postgres = { DATABASE_URL: 'postgres://tijara@127.0.0.1:5432/tijara' };
    assert.deepEqual(pick(loadConfig({})), [true, true]);
    assert.deepEqual(pick(loadConfig(postgres)), [false, false]);
    assert.deepEqual(pick(loadConfig({}, { databaseUrl: postgres.DATABASE_URL })), [false, false]);
    assert.deepEqual(pick(loadConfig({ ...postgres, TIJARA_SEED: 'true', TIJARA_DEMO: 'yes' })), [
      true,
      true,
    ]);
    assert.deepEqual(pick(loadConfig({ TIJARA_DEMO: 'false' }, { seed: 'false' })), [false, false]);
  });

  test('every setting is documented in the README', async () => {
    const { readFile } = await import('node:fs/promises');
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    for (const spec of Object.values(settings))
      assert.ok(readme.includes(`\`${spec.env}\``), `${spec.env} in README`);
  });
});

describe('logger', () => {
  test('masks card numbers and redacts secrets', async () => {
    assert.equal(maskPans('card 4111 1111 1111 1111 ok'), 'card [pan …1111] ok');
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = createLogger('info', sink);
    logger.info(
      { card: { pan: '4111111111111111', cvv: '123' }, password: 'hunter2', note: 'pan 5555555555554444' },
      'paying 4000056655665556',
    );
    logger.info({ req: { headers: { authorization: 'Bearer sk_live_abc' } } }, 'request');
    logger.info({ req: { method: 'GET', url: '/console/invitation/olt_SECRETLINK?lang=fr' } }, 'request');
    const text = lines.join('');
    for (const secret of [
      '4111111111111111',
      '123"',
      'hunter2',
      '5555555555554444',
      '4000056655665556',
      'sk_live_abc',
      'olt_SECRETLINK',
    ]) {
      assert.ok(!text.includes(secret), `${secret} leaked: ${text}`);
    }
    assert.match(text, /\[pan …4444\]/);
    assert.match(text, /\/console\/invitation\/\[redacted\]\?lang=fr/);
  });
});
