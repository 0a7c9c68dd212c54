import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { cmiHash, cmiHashPlaintext, verifyCmiHash } from '../src/cmi/hash.js';

/** SHA-512 of a plaintext written out by hand, base64 of the raw digest: what CMI's plugins compute. */
const sha512Base64 = (plaintext: string) => createHash('sha512').update(plaintext, 'utf8').digest('base64');

describe('CMI ver3 hash', () => {
  test('values in case-insensitive name order, then the store key, joined by |', () => {
    // Inserted out of order on purpose; a code-point sort would put BillToName first.
    const fields = { currency: '504', clientid: '600000001', BillToName: 'Amina', amount: '1250.00' };
    const plaintext = '1250.00|Amina|600000001|504|TEST1234';
    assert.equal(cmiHashPlaintext(fields, 'TEST1234'), plaintext);
    assert.equal(cmiHash(fields, 'TEST1234'), sha512Base64(plaintext));
    assert.notEqual(cmiHash(fields, 'TEST1234'), sha512Base64('Amina|1250.00|600000001|504|TEST1234'));
  });

  test('| and \\ are escaped in values and in the store key, backslashes first', () => {
    const fields = { a: 'x|y', b: 'c:\\dir', c: 'a\\|b' };
    // x\|y | c:\\dir | a\\\|b | key k\|e\\y
    const plaintext = 'x\\|y|c:\\\\dir|a\\\\\\|b|k\\|e\\\\y';
    assert.equal(cmiHashPlaintext(fields, 'k|e\\y'), plaintext);
    assert.equal(cmiHash(fields, 'k|e\\y'), sha512Base64(plaintext));
  });

  test('hash, HASH and encoding (any case) are not signed', () => {
    const fields = { amount: '10.00', HASH: 'abc', hash: 'def', encoding: 'UTF-8', Encoding: 'x', oid: 'A1' };
    const plaintext = '10.00|A1|TEST1234';
    assert.equal(cmiHash(fields, 'TEST1234'), sha512Base64(plaintext));
  });

  test('empty values keep their place; text is hashed as UTF-8', () => {
    const fields = { a: '', b: 'أمينة', c: 'é' };
    assert.equal(cmiHash(fields, 'key'), sha512Base64('|أمينة|é|key'));
  });

  test("PHP natcasesort order, as CMI's plugins sort: digits by value, letters as upper case", () => {
    assert.equal(cmiHash({ item10: 'ten', item9: 'nine' }, 'k'), sha512Base64('nine|ten|k'));
    // Upper-cased, "_" (0x5F) sorts after "B" (0x42).
    assert.equal(cmiHash({ a_b: 'underscore', aB: 'letter' }, 'k'), sha512Base64('letter|underscore|k'));
  });

  test('verifyCmiHash accepts the right HASH under either name and nothing else', () => {
    const fields = { amount: '1250.00', clientid: '600000001', oid: 'CMD-1' };
    const signature = sha512Base64('1250.00|600000001|CMD-1|TEST1234');
    assert.equal(verifyCmiHash({ ...fields, HASH: signature }, 'TEST1234'), true);
    assert.equal(verifyCmiHash({ ...fields, hash: signature }, 'TEST1234'), true);
    assert.equal(verifyCmiHash({ ...fields, amount: '1.00', HASH: signature }, 'TEST1234'), false);
    assert.equal(verifyCmiHash({ ...fields, HASH: signature }, 'TEST12345'), false);
    assert.equal(verifyCmiHash({ ...fields, HASH: `${signature}==` }, 'TEST1234'), false);
    assert.equal(verifyCmiHash(fields, 'TEST1234'), false);
  });
});
