import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContextOptions, chromium, type Page } from 'playwright-core';

export const artifactsDir = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

/** Headless Debian Chromium, shared by a test file and closed at its end. */
export async function launchBrowser(): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  after(() => browser.close());
  return browser;
}

/** Fills and sends the console's sign-in form as a person would; `code` is the authenticator's, when asked. */
export async function signInThroughForm(
  page: Page,
  baseUrl: string,
  person: { email: string; password: string; code?: string },
): Promise<void> {
  await page.goto(`${baseUrl}/console/sign-in?lang=en`);
  await page.getByLabel('Email').fill(person.email);
  await page.getByLabel('Password').fill(person.password);
  if (person.code) await page.getByLabel(/Authenticator code/).fill(person.code);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

type Person = Parameters<typeof signInThroughForm>[2];

/**
 * Signs the person in once (an authenticator code is good once) and returns a way to open their pages,
 * each in a browser context of its own (French, as in Morocco, unless the options say) sharing the session.
 */
export async function signedInPages(browser: Browser, baseUrl: string, person: Person) {
  const context = await browser.newContext();
  await signInThroughForm(await context.newPage(), baseUrl, person);
  await context.pages()[0]!.waitForURL(/\/console(\/|\?|$)/);
  const storageState = await context.storageState();
  await context.close();
  return async (path: string, options: BrowserContextOptions = {}): Promise<Page> => {
    const page = await (await browser.newContext({ storageState, locale: 'fr-MA', ...options })).newPage();
    await page.goto(`${baseUrl}${path}`);
    return page;
  };
}

/** The text of the one element `selector` finds, its white space collapsed as a reader sees it. */
export const textOf = async (page: Page, selector: string) =>
  ((await page.locator(selector).textContent()) ?? '').replace(/\s+/g, ' ').trim();

/**
 * Signs the person in and checks that a section of the console is closed to them: no link to it in the
 * navigation, its pages answer 403 without showing `hidden`, and its forms (posted empty) 403 too.
 */
export async function assertRefused(
  browser: Browser,
  baseUrl: string,
  person: Person,
  section: { nav: string; pages: string[]; posts: string[]; hidden: string },
) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signInThroughForm(page, baseUrl, person);
  await page.waitForURL(/\/console(\/|\?|$)/);
  assert.equal(await page.locator(`nav.console-nav a[href^="${section.nav}"]`).count(), 0, person.email);
  for (const path of section.pages) {
    const response = await page.goto(`${baseUrl}${path}?lang=en`);
    assert.equal(response?.status(), 403, `${person.email} ${path}`);
    assert.equal(await textOf(page, 'h1'), 'You may not see this page.');
    assert.ok(!(await page.content()).includes(section.hidden), `${person.email} ${path}`);
  }
  for (const path of section.posts) {
    const posted = await page.request.post(`${baseUrl}${path}`, { form: {}, maxRedirects: 0 });
    assert.equal(posted.status(), 403, `${person.email} POST ${path}`);
  }
  await context.close();
}

/** A visitor who is not signed in is sent to sign in, in the language they asked for. */
export async function assertSentToSignIn(browser: Browser, url: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${url}?lang=ar`);
  await page.waitForURL(/\/console\/sign-in\?lang=ar/);
  await context.close();
}

export interface PageOptions {
  /** The browser's language (Accept-Language); French, as in Morocco, unless said. */
  locale?: string;
  javaScriptEnabled?: boolean;
  /** For axe-core, which the pages' CSP would refuse. */
  bypassCSP?: boolean;
}

/** A page of a new browser context (its own cookies) opened at baseUrl + path. */
export async function openPage(browser: Browser, url: string, options: PageOptions = {}): Promise<Page> {
  const context = await browser.newContext({
    locale: options.locale ?? 'fr-MA',
    javaScriptEnabled: options.javaScriptEnabled ?? true,
    bypassCSP: options.bypassCSP ?? false,
  });
  const page = await context.newPage();
  await page.goto(url);
  return page;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(artifactsDir, { recursive: true });
  await page.screenshot({ path: join(artifactsDir, `${name}.png`), fullPage: true });
}

/**
 * Runs axe-core in the page and returns the violations of WCAG 2.1 A/AA rules. The page's CSP forbids
 * inline scripts, so the context that runs it is opened with bypassCSP.
 */
export async function accessibilityViolations(
  page: Page,
): Promise<{ id: string; help: string; nodes: number }[]> {
  const axePath = fileURLToPath(import.meta.resolve('axe-core/axe.min.js'));
  await page.addScriptTag({ path: axePath });
  return page.evaluate(async () => {
    // biome-ignore lint/suspicious/noExplicitAny: axe is injected at run time.
    const result = await (globalThis as any).axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa'] },
      // Only violations are read: axe then details one node of the other results, not every one.
      resultTypes: ['violations'],
    });
    return result.violations.map((v: { id: string; help: string; nodes: unknown[] }) => ({
      id: v.id,
      help: v.help,
      nodes: v.nodes.length,
    }));
  });
}
