import assert from 'node:assert/strict';
import type { Platform } from '../../src/platform.js';
import { linkIn } from './smtp.js';

export interface FormAnswer {
  status: number;
  location: string | null;
  html: string;
}

/**
 * The public privacy form (/privacy/request) and its mailed link, driven as a person's browser does:
 * each page's cookie and CSRF token are sent back with its form.
 */
export function publicPrivacyForm(baseUrl: string, lang = 'fr') {
  /** A page carrying a form, its cookie and its token. */
  async function open(path: string) {
    const page = await fetch(new URL(path, baseUrl));
    const html = await page.text();
    const cookie = /tijara_form=([^;]+); Path=\/privacy/.exec(page.headers.get('set-cookie') ?? '')?.[1];
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
    return { status: page.status, html, cookie, csrf };
  }

  async function post(path: string, form: Record<string, string>, token: { cookie?: string; csrf?: string }) {
    const response = await fetch(new URL(path, baseUrl), {
      method: 'POST',
      headers: {
        ...(token.cookie ? { cookie: `tijara_form=${token.cookie}` } : {}),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ ...(token.csrf ? { csrf: token.csrf } : {}), ...form }),
      redirect: 'manual',
    });
    return {
      status: response.status,
      location: response.headers.get('location'),
      html: await response.text(),
    };
  }

  const formPath = `/privacy/request?lang=${lang}`;
  return {
    open: (path = formPath) => open(path),
    /** Sends the form with a fresh page's token, or with the one given. */
    async send(
      form: Record<string, string>,
      token?: { cookie?: string; csrf?: string },
    ): Promise<FormAnswer> {
      return post(formPath, form, token ?? (await open(formPath)));
    },
    /** Opens the mailed link and presses its button; the confirmation page's answer when it has none. */
    async confirm(link: URL): Promise<FormAnswer> {
      const page = await open(link.pathname + link.search);
      if (!page.csrf) return { status: page.status, location: null, html: page.html };
      const form = { id: link.searchParams.get('id') ?? '', token: link.searchParams.get('token') ?? '' };
      return post(`/privacy/request/confirm?lang=${lang}`, form, page);
    },
  };
}

/**
 * What a person goes through on a platform with the demo mailbox: sends the form, gets the mail (the
 * outbox delivers it), opens its link and confirms. Answers the confirmation's redirection to the
 * "sent" page, with the request's id.
 */
export async function sendConfirmedRequest(
  platform: Platform,
  baseUrl: string,
  form: Record<string, string>,
  lang = 'en',
) {
  const people = publicPrivacyForm(baseUrl, lang);
  const page = await people.open();
  const sent = await people.send(form, page);
  assert.equal(sent.status, 303, sent.html);
  while ((await platform.outbox.runOnce()) > 0);
  const mail = platform.services.mailbox?.mails().find((kept) => kept.to === form.email);
  assert.ok(mail, `a mail to ${form.email}`);
  const confirmed = await people.confirm(linkIn(mail.text));
  assert.equal(confirmed.status, 303, confirmed.html);
  const location = confirmed.location!;
  return { formHtml: page.html, location, id: new URL(location, baseUrl).searchParams.get('sent')! };
}
