import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assess, MIN_SIMILARITY, pageText, similarity, statusOf } from './assess.js';
import type { Probe } from './probe.js';

const NOW = new Date('2026-12-07T10:00:00Z');
const SAFE_HEADERS = {
  'strict-transport-security': 'max-age=31536000',
  'content-security-policy': "default-src 'self'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};
const GOOD_TLS = {
  authorized: true,
  error: null,
  validTo: new Date('2027-06-01T00:00:00Z'),
  issuer: 'Tijara Test CA',
  protocol: 'TLSv1.3',
};
const PAGE =
  '<html><head><title>Régie Bouregreg</title><style>body{color:red}</style></head><body>' +
  '<h1>Payez vos factures d&#39;eau en ligne</h1><p>Consultez votre facture &amp; payez par carte bancaire marocaine.</p>' +
  '<script>var hacked_by = 1;</script></body></html>';

function page(body = PAGE, overrides: Partial<Extract<Probe, { answered: true }>> = {}): Probe {
  return {
    answered: true,
    status: 200,
    headers: SAFE_HEADERS,
    body,
    finalUrl: 'https://eau.test/',
    responseMs: 12,
    tls: GOOD_TLS,
    ...overrides,
  };
}

test('a page is read as a visitor reads it: no markup, scripts or styles; entities decoded', () => {
  assert.equal(
    pageText(PAGE),
    "régie bouregreg payez vos factures d'eau en ligne consultez votre facture & payez par carte bancaire marocaine.",
  );
});

test('similarity is 1 for the same wording, falls with what changed, and is 0 for a replaced page', () => {
  const text = pageText(PAGE);
  assert.equal(similarity(text, text), 1);
  const edited = text.replace('en ligne', 'sur internet');
  const partly = similarity(text, edited);
  assert.ok(partly > MIN_SIMILARITY && partly < 1, String(partly));
  assert.equal(similarity(text, 'hacked by the ghost team'), 0);
});

test('a healthy HTTPS page with every security header is up, with nothing found', () => {
  const outcome = assess(page(), pageText(PAGE), NOW);
  assert.deepEqual(outcome.findings, []);
  assert.equal(outcome.status, 'up');
  assert.equal(outcome.similarity, 1);
});

test('no answer or an error status is down, and says why', () => {
  const silent = assess(
    { answered: false, error: 'ECONNREFUSED: connect', responseMs: 3, tls: null },
    null,
    NOW,
  );
  assert.equal(silent.status, 'down');
  assert.deepEqual(silent.findings, [{ kind: 'unreachable', detail: 'ECONNREFUSED: connect' }]);
  const failing = assess(page('<h1>Service unavailable</h1>', { status: 503 }), pageText(PAGE), NOW);
  assert.equal(failing.status, 'down');
  assert.deepEqual(failing.findings[0], { kind: 'http_error', detail: 'the page answered 503' });
  assert.equal(failing.text, null, 'an error page is never a baseline');
});

test('TLS that a browser would refuse or soon refuse puts the site at risk', () => {
  const refused = assess(
    page(PAGE, { tls: { ...GOOD_TLS, authorized: false, error: 'DEPTH_ZERO_SELF_SIGNED_CERT' } }),
    null,
    NOW,
  );
  assert.equal(refused.status, 'at_risk');
  assert.equal(refused.findings[0]?.kind, 'tls_invalid');
  assert.match(refused.findings[0]!.detail, /DEPTH_ZERO_SELF_SIGNED_CERT/);
  const expiring = assess(
    page(PAGE, { tls: { ...GOOD_TLS, validTo: new Date('2026-12-12T10:00:00Z') } }),
    null,
    NOW,
  );
  assert.equal(expiring.status, 'at_risk');
  assert.deepEqual(expiring.findings, [{ kind: 'tls_expiring', detail: 'certificate expires in 5 days' }]);
});

test('plain HTTP is at risk, and HSTS is not asked of it; missing headers are listed without changing the status', () => {
  const plain = assess(
    page(PAGE, { finalUrl: 'http://eau.test/', tls: null, headers: { 'x-frame-options': 'SAMEORIGIN' } }),
    null,
    NOW,
  );
  assert.equal(plain.status, 'at_risk');
  assert.equal(plain.findings[0]?.kind, 'no_tls');
  assert.deepEqual(plain.missingHeaders, [
    'content-security-policy',
    'x-content-type-options',
    'referrer-policy',
  ]);
  const framed = assess(
    page(PAGE, {
      headers: {
        ...SAFE_HEADERS,
        'x-frame-options': '',
        'content-security-policy': "frame-ancestors 'none'",
      },
    }),
    null,
    NOW,
  );
  assert.deepEqual(framed.missingHeaders, [], 'frame-ancestors stands for X-Frame-Options');
  assert.equal(framed.status, 'up');
  const sniffable = assess(
    page(PAGE, { headers: { ...SAFE_HEADERS, 'x-content-type-options': 'yes' } }),
    null,
    NOW,
  );
  assert.deepEqual(sniffable.missingHeaders, ['x-content-type-options']);
});

test("a page replaced, or carrying a defacer's words it did not have, is defaced", () => {
  const accepted = pageText(PAGE);
  const replaced = assess(page('<h1>Hacked by Ghost Team</h1><p>your security is low</p>'), accepted, NOW);
  assert.equal(replaced.status, 'defaced');
  assert.deepEqual(
    replaced.findings.map((f) => f.kind),
    ['content_changed', 'defacement_marker'],
  );
  // The same page with a line added is still the page; but the line is a defacer's.
  const signed = assess(page(PAGE.replace('</body>', '<p>تم اختراق الموقع</p></body>')), accepted, NOW);
  assert.equal(signed.status, 'defaced');
  assert.deepEqual(
    signed.findings.map((f) => f.kind),
    ['defacement_marker'],
  );
  // A defacer's spelling counts; ordinary words that a defacer might use too do not.
  for (const line of ['<p>h4ck3d :)</p>', '<p>Pwned by Ghost Team</p>'])
    assert.equal(
      assess(page(PAGE.replace('</body>', `${line}</body>`)), accepted, NOW).status,
      'defaced',
      line,
    );
  for (const line of [
    '<p>An office owned by the State.</p>',
    '<p>Accounts hacked last year: our advice.</p>',
  ])
    assert.equal(assess(page(PAGE.replace('</body>', `${line}</body>`)), accepted, NOW).status, 'up', line);
  // A marker the accepted page already had (an article about a hack) is no finding.
  const article = `${PAGE}<p>Hacked by whom? Our article on phishing.</p>`;
  assert.equal(assess(page(article), pageText(article), NOW).status, 'up');
});

test('the worst finding decides the status', () => {
  assert.equal(
    statusOf([
      { kind: 'missing_header', detail: 'referrer-policy' },
      { kind: 'tls_expiring', detail: '' },
      { kind: 'content_changed', detail: '' },
    ]),
    'defaced',
  );
  assert.equal(statusOf([{ kind: 'missing_header', detail: 'referrer-policy' }]), 'up');
});
