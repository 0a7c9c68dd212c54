import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { historyLine, parseCc5Request } from '../src/cmi/api.js';
import { readCallbackAnswer } from '../src/cmi/callback.js';
import { checkGateFields, readForm } from '../src/cmi/gate.js';

const form = (overrides: Record<string, string> = {}) => ({
  clientid: '600000001',
  oid: 'CMD-1',
  amount: '1250.00',
  currency: '504',
  okUrl: 'https://shop.example.ma/ok',
  failUrl: 'https://shop.example.ma/fail',
  callbackUrl: 'https://shop.example.ma/callback',
  TranType: 'Auth',
  storetype: '3D_PAY_HOSTING',
  rnd: '12345',
  hashAlgorithm: 'ver3',
  HASH: 'signature',
  ...overrides,
});

const codes = (fields: Record<string, string>, livemode = false) =>
  checkGateFields(fields, livemode).problems.map((p) => `${p.field}:${p.code}`);

describe('the payment form', () => {
  test('a complete form reads as an order; French by default; an unusable email is dropped', () => {
    const { order } = checkGateFields(form({ email: 'not an email', TranType: 'preauth' }), false);
    assert.deepEqual(order && { ...order }, {
      clientId: '600000001',
      oid: 'CMD-1',
      amount: 125_000n,
      tranType: 'PreAuth',
      okUrl: 'https://shop.example.ma/ok',
      failUrl: 'https://shop.example.ma/fail',
      callbackUrl: 'https://shop.example.ma/callback',
      lang: 'fr',
      email: null,
      description: null,
    });
  });

  test('amounts are decimal text in dirhams, above zero, at most two decimals', () => {
    assert.equal(checkGateFields(form({ amount: '100' }), false).order?.amount, 10_000n);
    assert.equal(checkGateFields(form({ amount: '0.5' }), false).order?.amount, 50n);
    for (const amount of ['0.00', '12,50', '1e3', '1.005', '-5', '1 250.00'])
      assert.deepEqual(codes(form({ amount })), ['amount:invalid_amount'], amount);
  });

  test('every missing field is listed', () => {
    assert.deepEqual(codes({}).length, 12);
    assert.deepEqual(codes(form({ rnd: '  ' })), ['rnd:missing']);
  });

  test('a live store needs https; no store takes javascript: or credentials in a URL', () => {
    const plain = form({ okUrl: 'http://shop.example.ma/ok' });
    assert.deepEqual(codes(plain, false), []);
    assert.deepEqual(codes(plain, true), ['okUrl:insecure_url']);
    assert.deepEqual(codes(form({ failUrl: 'javascript:alert(1)' })), ['failUrl:invalid_url']);
    assert.deepEqual(codes(form({ callbackUrl: 'https://u:p@shop.example.ma/cb' })), [
      'callbackUrl:invalid_url',
    ]);
  });

  test('a field sent twice is refused, whatever the case of its name', () => {
    assert.deepEqual(readForm({ amount: ['1.00', '2.00'] }).problems, [
      { field: 'amount', code: 'repeated' },
    ]);
    assert.deepEqual(readForm({ oid: 'a', OID: 'b' }).problems, [{ field: 'OID', code: 'repeated' }]);
  });
});

describe('callback answers and the XML API', () => {
  test('ACTION=POSTAUTH, APPROVED, anything else is a failure', () => {
    assert.equal(readCallbackAnswer('ACTION=POSTAUTH'), 'postauth');
    assert.equal(readCallbackAnswer('  APPROVED\n'), 'approved');
    assert.equal(readCallbackAnswer('FAILURE'), 'failure');
    assert.equal(readCallbackAnswer('<html>Internal error</html>'), 'failure');
  });

  test('CC5Request values stay text; DOCTYPE and broken XML are refused', () => {
    const request = parseCc5Request(
      '<CC5Request><Name>0600</Name><Password>a&amp;b</Password><OrderId>000123</OrderId>' +
        '<Extra><ORDERSTATUS>QUERY</ORDERSTATUS></Extra></CC5Request>',
    );
    assert.deepEqual(request, {
      name: '0600',
      password: 'a&b',
      clientId: undefined,
      orderId: '000123',
      historyQuery: true,
    });
    assert.ok('error' in parseCc5Request('<!DOCTYPE a [<!ENTITY x "y">]><CC5Request/>'));
    assert.ok('error' in parseCc5Request('<CC5Request><Name>x</CC5Request>'));
    assert.ok('error' in parseCc5Request('<Other/>'));
    assert.ok('error' in parseCc5Request('<CC5Request><OrderId>1\u00002</OrderId></CC5Request>'));
  });

  test('a history line: type, status, amount, Moroccan time, id, tab-separated', () => {
    const line = historyLine({
      type: 'PostAuth',
      status: 'Approved',
      amount: 180_000n,
      date: new Date('2027-06-01T10:00:00Z'), // UTC+1 (outside Ramadan)
      transId: 'pay_x',
    });
    assert.equal(line, 'PostAuth\tApproved\t1800.00\t2027-06-01 11:00:00\tpay_x');
  });
});
