import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as OTPAuth from 'otpauth';
import type { Page } from 'playwright-core';
import { isAuthError } from '../src/auth/errors.js';
import type { Role } from '../src/auth/model.js';
import { DEMO_TOTP_SECRET, demoPassword } from '../src/auth/seed.js';
import { demoCode } from './console-client.js';
import { accessibilityViolations, launchBrowser, screenshot, signInThroughForm } from './support/browser.js';
import { card, demoKeys, testPlatform } from './support/platform.js';

const platformHandle = await testPlatform();
const { baseUrl, api } = platformHandle;
const browser = await launchBrowser();

const signIn = (page: Page, email: string, password: string, code?: string) =>
  signInThroughForm(page, baseUrl, { email, password, ...(code ? { code } : {}) });

test('a merchant owner signs in, finds a payment by its order reference and exports the list', async () => {
  const atlas = api(demoKeys.atlas);
  const created = await atlas.post<{ id: string }>('/v1/payments', {
    amount: 77_700,
    currency: 'MAD',
    order_reference: 'CONSOLE-1',
  });
  await atlas.post(`/v1/payments/${created.body.id}/confirm`, { card: card('4111111111111111') });

  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, 'owner@atlas-voyages.example', 'demo-owner-2026!');
  await page.waitForURL(/\/console\/payments/);
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === 'tijara_session');
  assert.ok(session?.httpOnly && session.secure && session.sameSite === 'Lax');

  await page.getByLabel('Order reference').fill('CONSOLE-1');
  await page.getByRole('button', { name: 'Filter' }).click();
  const rows = page.locator('tbody tr');
  assert.equal(await rows.count(), 1);
  assert.equal(await rows.first().getAttribute('data-payment'), created.body.id);
  assert.match((await rows.first().textContent()) ?? '', /succeeded.*•••• 1111/);
  await screenshot(page, 'console-payments-en');

  const csv = await page.request.get(`${baseUrl}/console/payments?order_reference=CONSOLE-1&format=csv`);
  assert.match(csv.headers()['content-type'] ?? '', /text\/csv/);
  assert.match(await csv.text(), new RegExp(`${created.body.id},.*,succeeded,77700,MAD,CONSOLE-1,1111,0`));

  // Sign-out is a POST that must carry the CSRF token: without it, refused.
  const forged = await page.request.post(`${baseUrl}/console/sign-out`, { form: {} });
  assert.equal(forged.status(), 403);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(/\/console\/sign-in/);
  await page.goto(`${baseUrl}/console/payments`);
  await page.waitForURL(/\/console\/sign-in/);
  await context.close();
});

test('a bank operator needs the authenticator code', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, 'operator@banque-atlas.example', 'demo-operator-2026!');
  assert.match((await page.locator('#sign-in-error').textContent()) ?? '', /6-digit code/);
  const totp = new OTPAuth.TOTP({
    secret: OTPAuth.Secret.fromBase32(DEMO_TOTP_SECRET),
    digits: 6,
    period: 30,
  });
  await signIn(page, 'operator@banque-atlas.example', 'demo-operator-2026!', totp.generate());
  await page.waitForURL(/\/console(\?|$)/);
  assert.match((await page.locator('.note').first().textContent()) ?? '', /operator.*Banque Atlas/);
  await context.close();
});

test('a wrong password is refused without saying which part was wrong', async () => {
  const page = await browser.newPage();
  await signIn(page, 'owner@atlas-voyages.example', 'not-the-password-2026');
  assert.equal((await page.locator('#sign-in-error').textContent())?.trim(), 'Wrong email or password.');
  await signIn(page, 'nobody@atlas-voyages.example', 'not-the-password-2026');
  assert.equal((await page.locator('#sign-in-error').textContent())?.trim(), 'Wrong email or password.');
  await page.close();
});

test('a person who forgot their password asks for a link from the sign-in page; the mail is in the demo mailbox; the pages pass axe-core', async () => {
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await page.goto(`${baseUrl}/console/sign-in?lang=ar`);
  await Promise.all([
    page.waitForURL(/\/console\/password\/forgot\?lang=ar$/),
    page.getByRole('link', { name: 'نسيت كلمة المرور؟' }).click(),
  ]);
  assert.equal(await page.locator('html').getAttribute('dir'), 'rtl');
  assert.deepEqual(await accessibilityViolations(page), [], 'the form');
  await page.locator('#email').fill('accountant@atlas-voyages.example');
  await Promise.all([
    page.waitForURL(/sent=1/),
    page.getByRole('button', { name: 'أرسل إلي الرابط' }).click(),
  ]);
  assert.match((await page.locator('#forgot-sent').textContent()) ?? '', /خلال 24 ساعة/);
  assert.deepEqual(await accessibilityViolations(page), [], 'the answer');

  while ((await platformHandle.platform.outbox.runOnce()) > 0);
  await page.goto(`${baseUrl}/demo/mail?lang=ar`);
  const mail = page.locator('article.mail', { hasText: 'accountant@atlas-voyages.example' });
  await Promise.all([page.waitForURL(/\/console\/password-reset\//), mail.getByRole('link').click()]);
  assert.equal(await page.locator('h1').textContent(), 'اختر كلمة مرور جديدة');
  await context.close();
});

test('done when: a newcomer finds the demo payments as the merchant, grants a card international use as the bank operator, and the audit trail shows both', async () => {
  const { platform } = platformHandle;
  // The README's first payment, made as a newcomer would with the demo key.
  const atlas = api(demoKeys.atlas);
  const created = await atlas.post<{ id: string }>(
    '/v1/payments',
    { amount: 125_000, currency: 'MAD', order_reference: 'CMD-1001', customer_email: 'amina@example.ma' },
    { 'idempotency-key': 'order-CMD-1001' },
  );
  await atlas.post(`/v1/payments/${created.body.id}/confirm`, { card: card('4111111111111111') });

  const merchant = await browser.newContext();
  const page = await merchant.newPage();
  await signIn(page, 'owner@atlas-voyages.example', demoPassword('owner'));
  await page.waitForURL(/\/console\/payments/);
  await page.getByRole('link', { name: 'CMD-1001' }).click();
  await page.waitForURL(new RegExp(`/console/payments/${created.body.id}`));
  assert.match((await page.locator('h1').textContent()) ?? '', new RegExp(created.body.id));
  assert.equal((await page.locator('#payment-status').textContent())?.trim(), 'succeeded');
  assert.equal(await page.locator('#timeline tr[data-event="payment.succeeded"]').count(), 1);
  await page.getByLabel('Purpose of reading').selectOption('customer_service');
  await page.getByRole('button', { name: /Show the email/ }).click();
  assert.equal((await page.locator('#customer-email').textContent())?.trim(), 'amina@example.ma');
  await screenshot(page, 'console-done-merchant-payment-en');
  // A hold (a car-rental deposit): its page says until when it can be captured.
  const deposit = await atlas.post<{ id: string }>('/v1/payments', {
    amount: 50_000,
    currency: 'MAD',
    capture_method: 'manual',
  });
  const held = await atlas.post<{ id: string; capture_before: string }>(
    `/v1/payments/${deposit.body.id}/confirm`,
    { card: card('4111111111111111') },
  );
  await page.goto(`${baseUrl}/console/payments/${held.body.id}`);
  assert.equal(await page.locator('#capture-before time').getAttribute('datetime'), held.body.capture_before);
  await merchant.close();

  const paris = api(demoKeys.paris);
  const payAbroad = async () => {
    const abroad = await paris.post<{ id: string }>('/v1/payments', { amount: 5_000, currency: 'EUR' });
    return (
      await paris.post<{ status: string; decline: { code: string } | null }>(
        `/v1/payments/${abroad.body.id}/confirm`,
        { card: card('4111111111111111') },
      )
    ).body;
  };
  assert.equal((await payAbroad()).decline?.code, '57');

  const bank = await browser.newContext();
  const bankPage = await bank.newPage();
  // An earlier test used this period's code, and a code is accepted once: take the next period's.
  await signIn(bankPage, 'operator@banque-atlas.example', demoPassword('operator'), demoCode(1));
  await bankPage.waitForURL(/\/console(\?|$)/);
  await bankPage.getByRole('link', { name: 'Cards' }).click();
  await bankPage.getByLabel('Card last 4').fill('1111');
  await bankPage.getByRole('button', { name: 'Find' }).click();
  const section = bankPage.locator('section[data-card]');
  assert.equal(await section.count(), 1);
  assert.equal((await section.locator('.card-international').textContent())?.trim(), 'not granted');
  await section.getByRole('button', { name: 'Grant international use' }).click();
  await bankPage.waitForURL(/last4=1111/);
  assert.equal(
    (await bankPage.locator('section[data-card] .card-international').textContent())?.trim(),
    'granted',
  );
  assert.match(
    (await bankPage.locator('section[data-card] .card-allowance').textContent()) ?? '',
    /20,000\.00/,
  );
  await screenshot(bankPage, 'console-done-bank-card-en');
  assert.equal((await payAbroad()).status, 'succeeded');

  // Another bank's card, even with its real id, is not found for this operator.
  const otherId = (
    await platform.store.db
      .selectFrom('issuer_cards')
      .select('id')
      .where('bank_id', '=', 'bnk_souss')
      .executeTakeFirstOrThrow()
  ).id;
  const csrf = await bankPage.locator('input[name="csrf"]').first().inputValue();
  const foreign = await bankPage.request.post(`${baseUrl}/console/cards/${otherId}/block`, {
    form: { csrf, last4: '4444' },
  });
  assert.equal(foreign.status(), 404);
  const withoutCsrf = await bankPage.request.post(`${baseUrl}/console/cards/${otherId}/block`, {
    form: { csrf: 'nope', last4: '4444' },
  });
  assert.equal(withoutCsrf.status(), 403);
  await bank.close();

  const owner = await platform.services.auth.findUserByEmail('owner@atlas-voyages.example');
  const analyst = await browser.newContext();
  const auditPage = await analyst.newPage();
  await signIn(auditPage, 'analyst@dgssi.example', demoPassword('analyst'), demoCode());
  await auditPage.getByRole('link', { name: 'Audit trail' }).click();
  await auditPage.waitForURL(/\/console\/audit/);
  const ownerRows = auditPage.locator(`tbody tr:has(td:text-is("${owner!.id}"))`);
  const ownerActions = await ownerRows.locator('td:nth-child(4)').allTextContents();
  assert.ok(ownerActions.includes('session.sign_in'), 'the merchant signing in');
  assert.ok(ownerActions.includes('data.read'), "the merchant reading the customer's email");
  assert.equal(await auditPage.locator('tr[data-action="card.international.grant"]').count(), 1);
  await screenshot(auditPage, 'console-done-audit-en');
  await analyst.close();
  assert.equal((await platform.services.audit.verify()).ok, true);
});

/** Each role's sections, as its navigation lists them. */
const sectionsByRole: { email: string; role: Role; totp: boolean; sections: string[] }[] = [
  {
    email: 'owner@atlas-voyages.example',
    role: 'owner',
    totp: false,
    sections: ['Payments', 'Webhooks', 'API keys', 'Settlement reports'],
  },
  {
    email: 'developer@atlas-voyages.example',
    role: 'developer',
    totp: false,
    sections: ['Payments', 'Webhooks', 'API keys'],
  },
  {
    email: 'accountant@atlas-voyages.example',
    role: 'accountant',
    totp: false,
    sections: ['Payments', 'Settlement reports'],
  },
  { email: 'reviewer@dgssi.example', role: 'reviewer', totp: true, sections: ['Organisations'] },
  {
    email: 'senior.reviewer@dgssi.example',
    role: 'senior_reviewer',
    totp: true,
    sections: ['Organisations'],
  },
  { email: 'analyst@dgssi.example', role: 'analyst', totp: true, sections: ['Audit trail', 'Organisations'] },
  { email: 'dpo@dgssi.example', role: 'dpo', totp: true, sections: ['Audit trail', 'Organisations'] },
  {
    email: 'admin@tijara.example',
    role: 'admin',
    totp: false,
    sections: ['Audit trail', 'Organisations', 'Supervision'],
  },
];

const consoleSections = new Set(sectionsByRole.flatMap((p) => p.sections));

test('each role signs in (with its authenticator where required) and walks the pages of its navigation', async () => {
  // The bank operator's walk (Cards) is the done-when test above: its codes are spent.
  for (const person of sectionsByRole) {
    const context = await browser.newContext();
    const page = await context.newPage();
    // The analyst signed in during this period already: the next period's code.
    const code = person.totp ? demoCode(person.role === 'analyst' ? 1 : 0) : undefined;
    await signIn(page, person.email, demoPassword(person.role), code);
    await page.waitForURL(/\/console(\/payments)?(\?|$)/);
    // Other modules add their own sections (an application, review cases): these are the console's.
    const links = await page.locator('nav.console-nav a').allTextContents();
    assert.deepEqual(
      links.filter((label) => consoleSections.has(label)),
      person.sections,
      person.role,
    );
    for (const section of person.sections) {
      await page.locator('nav.console-nav').getByRole('link', { name: section }).click();
      await page.waitForLoadState();
      assert.equal((await page.locator('h1').textContent())?.trim(), section, `${person.role}: ${section}`);
      await screenshot(page, `console-${person.role}-${section.toLowerCase().replaceAll(' ', '-')}-en`);
    }
    if (person.sections.includes('Organisations')) {
      await page.locator('nav.console-nav').getByRole('link', { name: 'Organisations' }).click();
      await page.getByRole('link', { name: 'Atlas Voyages' }).click();
      // count() does not wait: without this it could count the list page's rows, before the click's page.
      await page.waitForURL(/\/console\/organisations\/[^/?]+/);
      assert.equal(await page.locator('tr[data-user="owner@atlas-voyages.example"]').count(), 1);
      // Only the operator's admin manages people.
      assert.equal(
        await page.getByRole('button', { name: 'Invite' }).count(),
        person.role === 'admin' ? 1 : 0,
      );
    }
    await context.close();
  }
});

test('an invited authority person chooses a password and enrols an authenticator in the browser', async () => {
  const { auth } = platformHandle.platform.services;
  const authority = (await auth.supervisingOrganisation())!;
  const user = await auth.createUser({
    organisationId: authority.id,
    email: 'nouvelle.analyste@dgssi.example',
    name: 'Sanae Ouazzani',
    role: 'analyst',
  });
  assert.ok(!isAuthError(user));
  const link = await auth.createOneTimeLink(user.id, 'invitation', 3_600_000);
  assert.ok(!isAuthError(link));
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${baseUrl}/console/invitation/${link.token}?lang=fr`);
  await page.getByLabel(/Nouveau mot de passe/).fill('sanae-choisit-2026');
  await page.getByLabel(/Le même mot de passe/).fill('sanae-choisit-2026');
  await page.getByRole('button', { name: 'Enregistrer le mot de passe' }).click();
  await page.waitForURL(/\/console\/enrol\//);
  await screenshot(page, 'console-enrol-fr');
  const secret = (await page.locator('#totp-secret').textContent())!.trim();
  const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30 });
  await page.getByLabel("Code de l'application").fill(totp.generate());
  await page.getByRole('button', { name: 'Confirmer' }).click();
  await page.waitForURL(/\/console\/sign-in.*notice=enrolled/);
  await page.getByLabel('Adresse e-mail').fill('nouvelle.analyste@dgssi.example');
  await page.getByLabel('Mot de passe').fill('sanae-choisit-2026');
  await page.getByLabel(/Code de l'application/).fill(totp.generate({ timestamp: Date.now() + 30_000 }));
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.waitForURL(/\/console(\?|$)/);
  assert.match((await page.locator('.note').first().textContent()) ?? '', /Sanae Ouazzani \(analyst\)/);
  await context.close();
});

test('the console pages pass axe-core in Arabic, French and English', async () => {
  const { platform } = platformHandle;
  const paymentId = (
    await platform.store.db
      .selectFrom('payments')
      .select('id')
      .where('order_reference', '=', 'CMD-1001')
      .executeTakeFirstOrThrow()
  ).id;
  const atlasOrg = (await platform.services.auth.listOrganisations('merchant'))[0]!;
  const bank = (await platform.services.auth.listOrganisations('bank'))[0]!;
  const pagesOf = {
    'accountant@atlas-voyages.example': ['/console/payments'],
    'owner@atlas-voyages.example': [
      `/console/payments/${paymentId}`,
      '/console/webhooks',
      '/console/keys',
      '/console/settlements',
    ],
    'admin@tijara.example': [
      '/console',
      '/console/organisations',
      `/console/organisations/${atlasOrg.id}`,
      '/console/supervision',
      '/console/audit',
    ],
  };
  for (const lang of ['ar', 'fr', 'en'] as const) {
    for (const [email, paths] of Object.entries(pagesOf)) {
      const context = await browser.newContext({ bypassCSP: true });
      const page = await context.newPage();
      await page.goto(`${baseUrl}/console/sign-in?lang=${lang}`);
      assert.deepEqual(await accessibilityViolations(page), [], `sign-in ${lang}`);
      await page.locator('#email').fill(email);
      await page.locator('#password').fill(demoPassword(email.split('@')[0] as Role));
      await page.locator('main form button').click();
      await page.waitForURL(/\/console/);
      for (const path of paths) {
        await page.goto(`${baseUrl}${path}?lang=${lang}`);
        assert.equal(await page.locator('html').getAttribute('dir'), lang === 'ar' ? 'rtl' : 'ltr');
        assert.deepEqual(await accessibilityViolations(page), [], `${path} ${lang}`);
        if (lang !== 'en')
          await screenshot(
            page,
            `console-${path
              .slice('/console/'.length)
              .replace(/(pay|org)_\w+/, 'detail')
              .replaceAll('/', '-')}-${lang}`,
          );
      }
      await context.close();
    }
    // The one-time link pages, for a person invited to the bank.
    const invited = await platform.services.auth.createUser({
      organisationId: bank.id,
      email: `axe-${lang}@banque-atlas.example`,
      name: 'Axe',
      role: 'operator',
    });
    assert.ok(!isAuthError(invited));
    const link = await platform.services.auth.createOneTimeLink(invited.id, 'invitation', 3_600_000);
    assert.ok(!isAuthError(link));
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/console/invitation/${link.token}?lang=${lang}`);
    assert.deepEqual(await accessibilityViolations(page), [], `invitation ${lang}`);
    await page.locator('#password').fill('axe-password-2026');
    await page.locator('#repeat').fill('axe-password-2026');
    await page.locator('main form button').click();
    await page.waitForURL(/\/console\/enrol\//);
    assert.deepEqual(await accessibilityViolations(page), [], `enrolment ${lang}`);
    await context.close();
  }
});
