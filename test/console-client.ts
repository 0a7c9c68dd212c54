import * as OTPAuth from 'otpauth';
import { DEMO_TOTP_SECRET } from '../src/auth/seed.js';

export interface ConsoleResponse {
  status: number;
  location: string | null;
  contentType: string;
  text: string;
}

const demoTotp = new OTPAuth.TOTP({
  secret: OTPAuth.Secret.fromBase32(DEMO_TOTP_SECRET),
  digits: 6,
  period: 30,
});

/**
 * The demo TOTP code for a time step `offset` periods from now: a code is accepted once per person, so a
 * second sign-in of the same person in one test file takes the next period's code (the window is ±1).
 */
export function demoCode(offset = 0): string {
  return demoTotp.generate({ timestamp: Date.now() + offset * 30_000 });
}

/** A browser without the browser: keeps cookies, does not follow redirects, reads the page's forms. */
export class ConsoleClient {
  private readonly cookies = new Map<string, string>();
  last: ConsoleResponse | undefined;

  constructor(private readonly baseUrl: string) {}

  async request(method: 'GET' | 'POST', path: string, form?: Record<string, string | string[]> | FormData) {
    const body = form instanceof FormData ? form : form ? new URLSearchParams() : undefined;
    if (body instanceof URLSearchParams)
      for (const [key, value] of Object.entries(form ?? {}))
        for (const v of [value].flat()) body.append(key, v);
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      redirect: 'manual',
      headers: {
        cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(body instanceof URLSearchParams ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(body ? { body } : {}),
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at);
      const value = pair.slice(at + 1);
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    this.last = {
      status: response.status,
      location: response.headers.get('location'),
      contentType: response.headers.get('content-type') ?? '',
      text: await response.text(),
    };
    return this.last;
  }

  get(path: string) {
    return this.request('GET', path);
  }

  post(path: string, form: Record<string, string | string[]> | FormData = {}) {
    return this.request('POST', path, form);
  }

  /** The CSRF token of the last page's forms. */
  csrf(): string {
    const token = /name="csrf" value="([^"]+)"/.exec(this.last?.text ?? '')?.[1];
    if (!token) throw new Error(`no CSRF token on the last page (${this.last?.status})`);
    return token;
  }

  /** Posts a form of the last page (or any path), with its CSRF token. */
  async submit(path: string, form: Record<string, string | string[]> = {}) {
    return this.post(path, { csrf: this.csrf(), ...form });
  }

  async signIn(email: string, password: string, code?: string): Promise<ConsoleResponse> {
    await this.get('/console/sign-in?lang=en');
    return this.submit('/console/sign-in?lang=en', { email, password, ...(code ? { code } : {}) });
  }

  /** Signs in and opens the console home, so csrf() has the session's token. */
  async signedIn(email: string, password: string, code?: string): Promise<this> {
    const result = await this.signIn(email, password, code);
    if (result.status !== 303) throw new Error(`sign-in of ${email} failed: ${result.status} ${result.text}`);
    await this.get('/console?lang=en');
    const home = this.last?.location ? await this.get(this.last.location) : this.last;
    if (home?.status !== 200) throw new Error(`console home of ${email}: ${home?.status}`);
    return this;
  }
}
