import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { iceCheckDigits, mod97, ribKey, verifyIce, verifyPersonId, verifyRib } from './identifiers.js';

test('published ICEs verify, and their check digits are recomputed', () => {
  for (const ice of ['001561191000066', '002136093000040', '001527456000081', '000036794000036']) {
    assert.deepEqual(verifyIce(ice), { ok: true, value: ice });
    assert.equal(iceCheckDigits(ice.slice(0, 13)), ice.slice(13));
  }
  assert.deepEqual(verifyIce('00 21 36 09 30 00 040'), { ok: true, value: '002136093000040' });
});

test('an ICE with a wrong check digit or length is refused with its own code', () => {
  assert.equal((verifyIce('001561191000067') as { code: string }).code, 'ice_check_digits');
  assert.equal((verifyIce('00156119100006') as { code: string }).code, 'ice_format');
  assert.equal((verifyIce('00156119100006X') as { code: string }).code, 'ice_format');
});

test('published RIBs verify; a changed digit or key does not', () => {
  for (const rib of ['011780000015200000951639', '011787000015210006093228']) {
    assert.deepEqual(verifyRib(rib), { ok: true, value: rib });
  }
  assert.equal((verifyRib('011780000015200000951638') as { code: string }).code, 'rib_key');
  assert.equal((verifyRib('011780000015200000961639') as { code: string }).code, 'rib_key');
  assert.equal((verifyRib('0117800000152000009516') as { code: string }).code, 'rib_format');
});

test('any single-digit change of a valid ICE or RIB is caught (property)', () => {
  const digits = (n: number) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n });
  fc.assert(
    fc.property(digits(13), fc.nat(14), fc.integer({ min: 1, max: 9 }), (head, at, delta) => {
      const body = head.join('');
      const ice = body + iceCheckDigits(body);
      assert.equal(mod97(ice), 0);
      const changed = ice.slice(0, at) + ((Number(ice[at]) + delta) % 10) + ice.slice(at + 1);
      assert.equal(verifyIce(changed).ok, false);
    }),
  );
  fc.assert(
    fc.property(digits(22), fc.nat(23), fc.integer({ min: 1, max: 9 }), (head, at, delta) => {
      const body = head.join('');
      const rib = body + ribKey(body);
      assert.equal(verifyRib(rib).ok, true);
      const changed = rib.slice(0, at) + ((Number(rib[at]) + delta) % 10) + rib.slice(at + 1);
      assert.equal(verifyRib(changed).ok, false);
    }),
  );
});

test('CIN and passport numbers', () => {
  assert.deepEqual(verifyPersonId('cin', 'be 123456'), { ok: true, value: 'BE123456' });
  assert.equal(verifyPersonId('cin', '123456').ok, false);
  assert.equal(verifyPersonId('passport', 'AB1234567').ok, true);
  assert.equal(verifyPersonId('passport', 'A1').ok, false);
});
