import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuditEntry } from '../audit/model.js';
import { sameSecret } from '../auth/credentials.js';
import { can, type Permission } from '../auth/permissions.js';
import type { AuthenticatedSession, AuthService } from '../auth/service.js';
import type { Problem } from '../core/problem.js';
import type { App } from '../http/server.js';
import type { Scope } from '../payments/events.js';
import { formOnce } from '../payments/idempotency.js';
import type { SharedDb } from '../store/store.js';
import { type Locale, localeOf } from '../web/i18n.js';
import { Page, sendPage } from '../web/render.js';
import { Refusal } from './components.js';
import { consoleMessages } from './messages.js';
import { ConsolePage } from './shell.js';

/** A merchant's person on one of the merchant's pages, in the page's language. */
export interface MerchantSession {
  signedIn: AuthenticatedSession;
  merchantId: string;
  locale: Locale;
}

/** What every console page module needs from the console: the session, the language, the refusals. */
export interface ConsoleKit {
  auth: AuthService;
  /** The signed-in person, or undefined after redirecting to sign-in. */
  signedIn(request: FastifyRequest, reply: FastifyReply): Promise<AuthenticatedSession | undefined>;
  localeOf(request: FastifyRequest): Locale;
  forbidden(request: FastifyRequest, reply: FastifyReply): FastifyReply;
  /**
   * The signed-in person holding `permission` and, when `csrf` is given, posting our own form's token;
   * or undefined after the refusal (sign-in, or 403).
   */
  permitted(
    request: FastifyRequest,
    reply: FastifyReply,
    permission: Permission,
    csrf?: { token: unknown },
  ): Promise<AuthenticatedSession | undefined>;
  /**
   * The signed-in person of a merchant holding `permission`, with the merchant's id, after checking our
   * own form's token when `csrf` is given; or undefined after the refusal (sign-in, or 403).
   */
  merchantSession(
    request: FastifyRequest,
    reply: FastifyReply,
    permission: Permission,
    csrf?: { token: string | undefined },
  ): Promise<MerchantSession | undefined>;
}

/** Console pages take their language like every page. */
export { localeOf };

/** The HttpOnly cookie that carries a console session's token. */
export const SESSION_COOKIE = 'tijara_session';

/** The console's session and refusals, for the console's own pages and other modules' console pages alike. */
export function consoleKit(auth: AuthService): ConsoleKit {
  async function signedIn(request: FastifyRequest, reply: FastifyReply) {
    const token = request.cookies[SESSION_COOKIE];
    const session = token ? await auth.authenticateSession(token) : undefined;
    if (!session) reply.redirect(`/console/sign-in?lang=${localeOf(request)}`, 303);
    return session;
  }
  const forbidden = (request: FastifyRequest, reply: FastifyReply) =>
    refusalPage(request, reply, 403, consoleMessages(localeOf(request)).forbidden);
  async function permitted(
    request: FastifyRequest,
    reply: FastifyReply,
    permission: Permission,
    csrf?: { token: unknown },
  ) {
    const session = await signedIn(request, reply);
    if (!session) return undefined;
    const token = typeof csrf?.token === 'string' ? csrf.token : undefined;
    const allowed =
      can(session.user, session.organisation, permission) &&
      (!csrf || auth.checkCsrf(session.session, token));
    if (allowed) return session;
    forbidden(request, reply);
    return undefined;
  }
  async function merchantSession(
    request: FastifyRequest,
    reply: FastifyReply,
    permission: Permission,
    csrf?: { token: string | undefined },
  ) {
    const session = await signedIn(request, reply);
    if (!session) return undefined;
    if (csrf && !auth.checkCsrf(session.session, csrf.token)) {
      csrfRefused(reply);
      return undefined;
    }
    const merchantId = session.organisation.merchantId;
    if (!merchantId || !can(session.user, session.organisation, permission)) {
      forbidden(request, reply);
      return undefined;
    }
    return { signedIn: session, merchantId, locale: localeOf(request) };
  }
  return { auth, signedIn, localeOf, forbidden, permitted, merchantSession };
}

/** A merchant's pages show its test data unless they ask for live data (`?mode=live`). */
export const modeOf = (request: FastifyRequest): boolean =>
  (request.query as { mode?: unknown } | undefined)?.mode === 'live';

/** The merchant's thing in whichever mode it lives (test first); another merchant's is simply not found. */
export async function inEitherMode<T>(
  merchantId: string,
  find: (scope: Scope) => Promise<T | undefined>,
): Promise<{ found: T; scope: Scope } | undefined> {
  for (const livemode of [false, true]) {
    const scope = { merchantId, livemode };
    const found = await find(scope);
    if (found !== undefined) return { found, scope };
  }
  return undefined;
}

/**
 * False when the form's one-time token (formOnce) was claimed before: a double click or a refresh posted
 * the form again. Claimed in `db`, the action's transaction, so that the claim and the action commit
 * together; in the key space of the person's organisation. A form without a well-formed token is a first.
 */
export async function firstSubmission(
  db: SharedDb,
  signedIn: Pick<AuthenticatedSession, 'organisation'>,
  form: string,
  once: unknown,
): Promise<boolean> {
  if (typeof once !== 'string' || !formOnce.pattern.test(once)) return true;
  return formOnce.claim(db, { merchantId: signedIn.organisation.id, livemode: true }, form, once);
}

/** A refused action in the person's words when the catalogue knows its code (`problem_<code>`), else in the problem's own. */
export function problemText(t: Readonly<Record<string, string>>, problem: Problem): string {
  const known = `problem_${problem.code}`;
  return Object.hasOwn(t, known) ? t[known]! : (problem.detail ?? problem.title);
}

/** A page that only says why a request was refused, with the refusal's status. */
export function refusalPage(request: FastifyRequest, reply: FastifyReply, status: number, text: string) {
  return sendPage(
    reply,
    <Page locale={localeOf(request)} title={text} path={request.url}>
      <h1>{text}</h1>
    </Page>,
    { status },
  );
}

/**
 * An action on one thing that the service refused (unknown, already done), said plainly with the way
 * back: to the list when the thing is not found, else to the thing's page, which the language links
 * lead to as well (not to the POST's URL).
 */
export function actionRefused(
  reply: FastifyReply,
  page: {
    locale: Locale;
    signedIn: AuthenticatedSession;
    title: string;
    problem: Problem;
    text: string;
    thing: { href: string; label: string };
    list: { href: string; label: string };
  },
) {
  const back = page.problem.status === 404 ? page.list : page.thing;
  return sendPage(
    reply,
    <ConsolePage locale={page.locale} path={page.thing.href} title={page.title} signedIn={page.signedIn}>
      <Refusal problem={page.problem} text={page.text} back={back.href} backLabel={back.label} />
    </ConsolePage>,
    { status: page.problem.status },
  );
}

/** A page that says only "not found": another tenant's id and a made-up one look the same. */
export const notFound = (request: FastifyRequest, reply: FastifyReply) =>
  refusalPage(request, reply, 404, consoleMessages(localeOf(request)).notFound);

export function csrfRefused(reply: FastifyReply) {
  return reply.code(403).type('text/plain; charset=utf-8').send('CSRF token missing or wrong');
}

/** Who did it and from where, for an audit record of a console action. */
export function byPerson(
  signedIn: Pick<AuthenticatedSession, 'user' | 'organisation'>,
  request: FastifyRequest,
): Pick<AuditEntry, 'actor' | 'ip' | 'requestId'> {
  return {
    actor: { type: 'user', id: signedIn.user.id, organisationId: signedIn.organisation.id },
    ip: request.ip,
    requestId: request.id,
  };
}

// Forms shown before anyone is signed in (sign-in, one-time links) have no session to derive a CSRF token
// from: a random value in a strict cookie, repeated in the form, proves the POST came from our page.
const FORM_COOKIE = 'tijara_form';

/** The token to put in a pre-session form; sets its cookie when the browser has none. */
export function preSessionToken(request: FastifyRequest, reply: FastifyReply, path = '/console'): string {
  const existing = request.cookies[FORM_COOKIE];
  if (existing && /^[A-Za-z0-9_-]{43}$/.test(existing)) return existing;
  const token = randomBytes(32).toString('base64url');
  reply.setCookie(FORM_COOKIE, token, { httpOnly: true, secure: true, sameSite: 'strict', path });
  return token;
}

export function preSessionTokenMatches(request: FastifyRequest, submitted: string | undefined): boolean {
  const cookie = request.cookies[FORM_COOKIE];
  return typeof cookie === 'string' && typeof submitted === 'string' && sameSecret(cookie, submitted);
}

const routeTables = new WeakMap<object, { method: string; url: string }[]>();

/**
 * Records every /console route registered after this call on the server (any module's), so tests walk
 * the real route table rather than a copy of it that a new page could be missing from.
 */
export function recordConsoleRoutes(app: App): void {
  const table: { method: string; url: string }[] = routeTables.get(app.server) ?? [];
  routeTables.set(app.server, table);
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/console')) return;
    for (const method of [route.method].flat()) if (method !== 'HEAD') table.push({ method, url: route.url });
  });
}

/** The console's routes as Fastify registered them (method, URL pattern). */
export function consoleRouteTable(app: App): { method: string; url: string }[] {
  return [...(routeTables.get(app.server) ?? [])];
}
