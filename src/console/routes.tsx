import cookie from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AuditLog } from '../audit/service.js';
import { can } from '../auth/permissions.js';
import type { AuthService } from '../auth/service.js';
import { currencies, parseDecimalAmount } from '../core/money.js';
import { isCalendarDate, moroccanDayBounds } from '../core/time.js';
import type { App } from '../http/server.js';
import type { IssuerService } from '../issuer/service.js';
import type { LedgerService } from '../ledger/service.js';
import type { MerchantService } from '../merchants/service.js';
import type { EventLog } from '../payments/events.js';
import { isPaymentStatus, PAYMENT_STATUSES } from '../payments/model.js';
import type { PaymentService } from '../payments/service.js';
import type { WebhookService } from '../payments/webhooks.js';
import type { SharedStore } from '../store/store.js';
import { FormError, OneTimeCodeField } from '../web/fields.js';
import { fill, formatMoney, type Locale } from '../web/i18n.js';
import { Page, sendPage } from '../web/render.js';
import { accountMessages } from './account-messages.js';
import { accountPages } from './account-pages.js';
import { type AttentionItem, AttentionList } from './attention.js';
import { authorityPages } from './authority-pages.js';
import { bankPages } from './bank-pages.js';
import { ModeSelect } from './components.js';
import {
  byPerson,
  consoleKit,
  csrfRefused,
  localeOf,
  preSessionToken,
  preSessionTokenMatches,
  SESSION_COOKIE,
} from './context.js';
import type { LinkMail } from './link-mail.js';
import { merchantPages } from './merchant-pages.js';
import { consoleMessages } from './messages.js';
import { ConsolePage } from './shell.js';

const PAGE_SIZE = 25;

export interface ConsoleDeps {
  store: SharedStore;
  auth: AuthService;
  payments: PaymentService;
  issuer: IssuerService;
  audit: AuditLog;
  merchants: MerchantService;
  webhooks: WebhookService;
  events: EventLog;
  ledger: LedgerService;
  /** Mails the one-time links the console's administrators send (invitations, new passwords). */
  linkMail: LinkMail;
  /** What other modules count as waiting for people, shown on the home of the authority and banks. */
  attention?: readonly AttentionItem[];
}

function SignInPage(props: {
  locale: Locale;
  path: string;
  csrf: string;
  error?: string;
  notice?: string;
  email?: string;
}) {
  const t = consoleMessages(props.locale);
  return (
    <Page locale={props.locale} title={t.signInTitle} path={props.path}>
      <h1>{t.signInTitle}</h1>
      {props.notice ? (
        <p class="note" role="status" id="sign-in-notice">
          {props.notice}
        </p>
      ) : null}
      <FormError id="sign-in-error" message={props.error} />
      <form method="post" action={`/console/sign-in?lang=${props.locale}`}>
        <input type="hidden" name="csrf" value={props.csrf} />
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
        <OneTimeCodeField label={t.code} />
        <button type="submit">{t.signIn}</button>
      </form>
      <p>
        <a href={`/console/password/forgot?lang=${props.locale}`}>
          {accountMessages(props.locale).forgotLink}
        </a>
      </p>
    </Page>
  );
}

type PaymentQuery = {
  order_reference?: string;
  status?: string;
  amount?: string;
  from?: string;
  to?: string;
  last4?: string;
  starting_after?: string;
  mode?: string;
  format?: string;
};

/** The amount (in MAD-like decimals: "250.00") and Moroccan days of the search form, when they make sense. */
function paymentSearch(q: PaymentQuery) {
  const amount = q.amount ? parseDecimalAmount(q.amount, currencies.MAD) : undefined;
  const day = (text: string | undefined) =>
    text && isCalendarDate(text) ? moroccanDayBounds(text) : undefined;
  const from = day(q.from);
  const to = day(q.to);
  return {
    ...(amount === undefined ? {} : { amount }),
    ...(from ? { createdFrom: from.start } : {}),
    ...(to ? { createdTo: to.end } : {}),
  };
}

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
  const kit = consoleKit(deps.auth);
  const { signedIn: signedInOrRedirect, forbidden } = kit;

  /** The sign-in form, with the pre-session CSRF token that proves a POST came from it. */
  const signInPage = (
    request: FastifyRequest,
    reply: FastifyReply,
    shown: { notice?: string; error?: string; email?: string },
    status = 200,
  ) =>
    sendPage(
      reply,
      <SignInPage
        locale={localeOf(request)}
        path={request.url}
        csrf={preSessionToken(request, reply)}
        {...shown}
      />,
      { status },
    );

  return async (app: App) => {
    await app.register(cookie);
    await app.register(merchantPages({ kit, ...deps }));
    await app.register(
      authorityPages({ kit, store: deps.store, audit: deps.audit, linkMail: deps.linkMail }),
    );
    await app.register(accountPages(deps));
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

    app.get('/console/sign-in', { schema: { hide: true } }, async (request, reply) => {
      const locale = localeOf(request);
      const notice = (request.query as { notice?: string }).notice;
      const notices = accountMessages(locale);
      return signInPage(request, reply, {
        ...(notice === 'password_set' ? { notice: notices.passwordSet } : {}),
        ...(notice === 'enrolled' ? { notice: notices.enrolled } : {}),
      });
    });

    app.post(
      '/console/sign-in',
      {
        schema: {
          hide: true,
          body: Type.Object({
            csrf: Type.Optional(Type.String({ maxLength: 100 })),
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
        // A forged sign-in would put the victim in the attacker's account: the form proves it is ours.
        if (!preSessionTokenMatches(request, request.body.csrf)) return csrfRefused(reply);
        const result = await deps.auth.signIn({
          email,
          password,
          totp: code?.trim() || undefined,
          ip: request.ip,
          userAgent: request.headers['user-agent'] ?? null,
        });
        if (!result.ok && result.reason === 'totp_enrolment_required')
          return reply.redirect(`/console/enrol/${result.enrolmentToken}?lang=${locale}`, 303);
        if (!result.ok) {
          const error =
            result.reason === 'locked'
              ? fill(t.locked, { minutes: Math.ceil(result.retryAfterMs / 60_000) })
              : t[result.reason];
          return signInPage(request, reply, { error, email }, 401);
        }
        reply.setCookie(SESSION_COOKIE, result.session.token, {
          httpOnly: true,
          secure: true,
          sameSite: 'lax',
          path: '/',
          expires: result.session.expiresAt,
        });
        // Who opened a session, when and from where: the trail then shows whose actions follow.
        await deps.audit.append({ ...byPerson(result, request), action: 'session.sign_in' });
        return reply.redirect(`/console?lang=${locale}`, 303);
      },
    );

    app.post(
      '/console/sign-out',
      { schema: { hide: true, body: Type.Object({ csrf: Type.Optional(Type.String({ maxLength: 200 })) }) } },
      async (request, reply) => {
        const signedIn = await signedInOrRedirect(request, reply);
        if (!signedIn) return reply;
        if (!deps.auth.checkCsrf(signedIn.session, request.body.csrf)) return csrfRefused(reply);
        await deps.auth.signOut(request.cookies[SESSION_COOKIE] ?? '');
        await deps.audit.append({ ...byPerson(signedIn, request), action: 'session.sign_out' });
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
      const mine = (deps.attention ?? []).filter((item) =>
        can(signedIn.user, signedIn.organisation, item.permission),
      );
      const counted = await Promise.all(mine.map(async (item) => ({ item, count: await item.count() })));
      return sendPage(
        reply,
        <ConsolePage
          locale={locale}
          path={request.url}
          title={signedIn.organisation.name}
          signedIn={signedIn}
        >
          <h2>{consoleMessages(locale).waitingForYou}</h2>
          <AttentionList locale={locale} counted={counted} nothing={consoleMessages(locale).nothingWaits} />
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
          ...(q.status && isPaymentStatus(q.status) ? { status: q.status } : {}),
          ...(q.order_reference ? { orderReference: q.order_reference } : {}),
          ...(q.last4 && /^\d{4}$/.test(q.last4) ? { last4: q.last4 } : {}),
          ...paymentSearch(q),
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
              <label for="status">{t.status}</label>
              <select id="status" name="status">
                <option value="">—</option>
                {PAYMENT_STATUSES.map((status) => (
                  <option value={status} selected={q.status === status} key={status}>
                    {status}
                  </option>
                ))}
              </select>
            </div>
            <div class="field">
              <label for="amount">{t.amount}</label>
              <input id="amount" name="amount" inputmode="decimal" dir="ltr" value={q.amount ?? ''} />
            </div>
            <div class="field">
              <label for="from">{t.from}</label>
              <input id="from" name="from" type="date" value={q.from ?? ''} />
            </div>
            <div class="field">
              <label for="to">{t.to}</label>
              <input id="to" name="to" type="date" value={q.to ?? ''} />
            </div>
            <ModeSelect locale={locale} livemode={livemode} />
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
                    <td>
                      <a href={`/console/payments/${p.id}?lang=${locale}`}>{p.order_reference ?? p.id}</a>
                    </td>
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
