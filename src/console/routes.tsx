import cookie from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AuditLog } from '../audit/service.js';
import { can } from '../auth/permissions.js';
import type { AuthenticatedSession, AuthService } from '../auth/service.js';
import type { App } from '../http/server.js';
import type { IssuerService } from '../issuer/service.js';
import { fill } from '../payments/checkout/messages.js';
import type { PaymentService } from '../payments/service.js';
import type { SharedStore } from '../store/store.js';
import { formatMoney, type Locale, pickLocale } from '../web/i18n.js';
import { Page, sendPage } from '../web/render.js';
import { bankPages } from './bank-pages.js';
import { consoleMessages } from './messages.js';
import { ConsolePage } from './shell.js';

const SESSION_COOKIE = 'tijara_session';
const PAGE_SIZE = 25;

export interface ConsoleDeps {
  store: SharedStore;
  auth: AuthService;
  payments: PaymentService;
  issuer: IssuerService;
  audit: AuditLog;
}

function localeOf(request: FastifyRequest): Locale {
  return pickLocale((request.query as { lang?: string }).lang, request.headers['accept-language']);
}

function SignInPage(props: { locale: Locale; path: string; error?: string; email?: string }) {
  const t = consoleMessages(props.locale);
  return (
    <Page locale={props.locale} title={t.signInTitle} path={props.path}>
      <h1>{t.signInTitle}</h1>
      {props.error ? (
        <p class="field-error" role="alert" id="sign-in-error">
          {props.error}
        </p>
      ) : null}
      <form method="post" action={`/console/sign-in?lang=${props.locale}`}>
        <div class="field">
          <label for="email">{t.email}</label>
          <input
            id="email"
            name="email"
            type="email"
            autocomplete="username"
            required
            value={props.email ?? ''}
          />
        </div>
        <div class="field">
          <label for="password">{t.password}</label>
          <input id="password" name="password" type="password" autocomplete="current-password" required />
        </div>
        <div class="field">
          <label for="code">{t.code}</label>
          <input
            id="code"
            name="code"
            inputmode="numeric"
            autocomplete="one-time-code"
            dir="ltr"
            maxlength={6}
          />
        </div>
        <button type="submit">{t.signIn}</button>
      </form>
    </Page>
  );
}

type PaymentQuery = {
  order_reference?: string;
  status?: string;
  last4?: string;
  starting_after?: string;
  mode?: string;
  format?: string;
};

function csvLine(cells: (string | number | null)[]): string {
  return cells
    .map((cell) =>
      cell === null
        ? ''
        : /[",\r\n]/.test(String(cell))
          ? `"${String(cell).replaceAll('"', '""')}"`
          : String(cell),
    )
    .join(',');
}

/** The console: sign-in and the first merchant page. Sessions live in an HttpOnly cookie; every POST carries the CSRF token. */
export function consoleRoutes(deps: ConsoleDeps) {
  async function signedInOrRedirect(
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<AuthenticatedSession | undefined> {
    const token = request.cookies[SESSION_COOKIE];
    const signedIn = token ? await deps.auth.authenticateSession(token) : undefined;
    if (!signedIn) {
      reply.redirect(`/console/sign-in?lang=${localeOf(request)}`, 303);
      return undefined;
    }
    return signedIn;
  }

  function forbidden(request: FastifyRequest, reply: FastifyReply) {
    const t = consoleMessages(localeOf(request));
    return sendPage(
      reply,
      <Page locale={localeOf(request)} title={t.forbidden} path={request.url}>
        <h1>{t.forbidden}</h1>
      </Page>,
      { status: 403 },
    );
  }

  return async (app: App) => {
    await app.register(cookie);
    await app.register(
      bankPages({
        store: deps.store,
        auth: deps.auth,
        issuer: deps.issuer,
        audit: deps.audit,
        signedIn: signedInOrRedirect,
        localeOf,
        forbidden,
      }),
    );

    app.get('/console/sign-in', { schema: { hide: true } }, async (request, reply) =>
      sendPage(reply, <SignInPage locale={localeOf(request)} path={request.url} />),
    );

    app.post(
      '/console/sign-in',
      {
        schema: {
          hide: true,
          body: Type.Object({
            email: Type.String({ maxLength: 254 }),
            password: Type.String({ maxLength: 256 }),
            code: Type.Optional(Type.String({ maxLength: 10 })),
          }),
        },
      },
      async (request, reply) => {
        const locale = localeOf(request);
        const t = consoleMessages(locale);
        const { email, password, code } = request.body;
        const result = await deps.auth.signIn({
          email,
          password,
          totp: code?.trim() || undefined,
          ip: request.ip,
          userAgent: request.headers['user-agent'] ?? null,
        });
        if (!result.ok) {
          const error =
            result.reason === 'locked'
              ? fill(t.locked, { minutes: Math.ceil(result.retryAfterMs / 60_000) })
              : t[result.reason];
          return sendPage(
            reply,
            <SignInPage locale={locale} path={request.url} error={error} email={email} />,
            { status: 401 },
          );
        }
        reply.setCookie(SESSION_COOKIE, result.session.token, {
          httpOnly: true,
          secure: true,
          sameSite: 'lax',
          path: '/',
          expires: result.session.expiresAt,
        });
        return reply.redirect(`/console?lang=${locale}`, 303);
      },
    );

    app.post(
      '/console/sign-out',
      { schema: { hide: true, body: Type.Object({ csrf: Type.Optional(Type.String({ maxLength: 200 })) }) } },
      async (request, reply) => {
        const signedIn = await signedInOrRedirect(request, reply);
        if (!signedIn) return reply;
        if (!deps.auth.checkCsrf(signedIn.session, request.body.csrf)) {
          return reply.code(403).type('text/plain; charset=utf-8').send('CSRF token missing or wrong');
        }
        await deps.auth.signOut(request.cookies[SESSION_COOKIE] ?? '');
        reply.clearCookie(SESSION_COOKIE, { path: '/' });
        return reply.redirect(`/console/sign-in?lang=${localeOf(request)}`, 303);
      },
    );

    app.get('/console', { schema: { hide: true } }, async (request, reply) => {
      const signedIn = await signedInOrRedirect(request, reply);
      if (!signedIn) return reply;
      const locale = localeOf(request);
      if (signedIn.organisation.kind === 'merchant')
        return reply.redirect(`/console/payments?lang=${locale}`, 303);
      return sendPage(
        reply,
        <ConsolePage
          locale={locale}
          path={request.url}
          title={signedIn.organisation.name}
          signedIn={signedIn}
        >
          <p />
        </ConsolePage>,
      );
    });

    app.get('/console/payments', { schema: { hide: true } }, async (request, reply) => {
      const signedIn = await signedInOrRedirect(request, reply);
      if (!signedIn) return reply;
      const locale = localeOf(request);
      const t = consoleMessages(locale);
      const merchantId = signedIn.organisation.merchantId;
      if (!merchantId || !can(signedIn.user, signedIn.organisation, 'payments.read'))
        return forbidden(request, reply);
      const q = request.query as PaymentQuery;
      const livemode = q.mode === 'live';
      const csv = q.format === 'csv';
      const rows = await deps.payments.list(
        { merchantId, livemode },
        {
          limit: csv ? 10_000 : PAGE_SIZE + 1,
          ...(q.starting_after ? { startingAfter: q.starting_after } : {}),
          ...(q.status ? { status: q.status } : {}),
          ...(q.order_reference ? { orderReference: q.order_reference } : {}),
          ...(q.last4 && /^\d{4}$/.test(q.last4) ? { last4: q.last4 } : {}),
        },
      );
      if (csv) {
        const lines = [
          csvLine([
            'id',
            'created_at',
            'status',
            'amount',
            'currency',
            'order_reference',
            'card_last4',
            'amount_refunded',
          ]),
          ...rows.map((p) =>
            csvLine([
              p.id,
              p.created_at.toISOString(),
              p.status,
              String(p.amount),
              p.currency,
              p.order_reference,
              p.card_last4,
              String(p.amount_refunded),
            ]),
          ),
        ];
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', 'attachment; filename="payments.csv"')
          .send(`${lines.join('\r\n')}\r\n`);
      }
      const page = rows.slice(0, PAGE_SIZE);
      const filters = new URLSearchParams(
        Object.entries(q).filter(([k, v]) => v && k !== 'starting_after' && k !== 'format') as [
          string,
          string,
        ][],
      );
      const nextUrl =
        rows.length > PAGE_SIZE
          ? `/console/payments?${filters}&starting_after=${page.at(-1)?.id}`
          : undefined;
      return sendPage(
        reply,
        <ConsolePage locale={locale} path={request.url} title={t.payments} signedIn={signedIn}>
          <form method="get" action="/console/payments" class="filters">
            <input type="hidden" name="lang" value={locale} />
            <div class="field">
              <label for="order_reference">{t.orderReference}</label>
              <input id="order_reference" name="order_reference" value={q.order_reference ?? ''} />
            </div>
            <div class="field">
              <label for="last4">{t.last4}</label>
              <input id="last4" name="last4" inputmode="numeric" maxlength={4} value={q.last4 ?? ''} />
            </div>
            <div class="field">
              <label for="mode">{t.mode}</label>
              <select id="mode" name="mode">
                <option value="test" selected={!livemode}>
                  {t.test}
                </option>
                <option value="live" selected={livemode}>
                  {t.live}
                </option>
              </select>
            </div>
            <button type="submit">{t.filter}</button>
          </form>
          <p>
            <a href={`/console/payments?${filters}&format=csv`}>{t.exportCsv}</a>
          </p>
          {page.length === 0 ? (
            <p>{t.noPayments}</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">{t.created}</th>
                  <th scope="col">{t.orderReference}</th>
                  <th scope="col">{t.status}</th>
                  <th scope="col">{t.amount}</th>
                  <th scope="col">{t.card}</th>
                </tr>
              </thead>
              <tbody>
                {page.map((p) => (
                  <tr key={p.id} data-payment={p.id}>
                    <td>
                      <time dateTime={p.created_at.toISOString()}>
                        {p.created_at.toISOString().slice(0, 16).replace('T', ' ')}
                      </time>
                    </td>
                    <td>{p.order_reference}</td>
                    <td>{p.status}</td>
                    <td>{formatMoney(p.amount, p.currency, locale)}</td>
                    <td dir="ltr">{p.card_last4 ? `•••• ${p.card_last4}` : ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {nextUrl ? (
            <p>
              <a href={nextUrl} rel="next">
                {t.next}
              </a>
            </p>
          ) : null}
        </ConsolePage>,
      );
    });
  };
}
