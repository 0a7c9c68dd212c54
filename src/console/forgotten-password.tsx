import cookie from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AuditLog } from '../audit/service.js';
import type { AuthService } from '../auth/service.js';
import type { Clock } from '../core/clock.js';
import { createLookupLimiter, type LookupLimits } from '../core/fixed-window.js';
import type { App } from '../http/server.js';
import type { SharedStore } from '../store/store.js';
import { FormError } from '../web/fields.js';
import { fill, type Locale, localeOf } from '../web/i18n.js';
import { Page, sendPage } from '../web/render.js';
import { accountMessages } from './account-messages.js';
import { csrfRefused, preSessionToken, preSessionTokenMatches } from './context.js';
import { LINK_LIFETIME, type LinkMail } from './link-mail.js';
import { consoleMessages } from './messages.js';

const REQUEST_ACTION = 'user.password_reset.request';
const PER_ACCOUNT = { max: 3, windowMs: 60 * 60_000 };
const FORGOT_PATH = '/console/password/forgot';

export interface PasswordResetMail {
  /**
   * Queues a mail with a reset link to the account that signs in with `email`, if there is one and it
   * is enabled, and records the request on the audit trail; for any other address, does nothing. The
   * caller answers the same either way, so nobody learns which addresses have accounts.
   */
  request(email: string, locale: Locale, by: { ip: string; requestId: string }): Promise<void>;
}

/**
 * "Forgot your password?": the reset link an administrator can send, asked for by the person, mailed to
 * the account's own address (`link-mail.ts`).
 */
export function createPasswordResetMail(deps: {
  store: SharedStore;
  auth: Pick<AuthService, 'findUserByEmail'>;
  audit: Pick<AuditLog, 'append' | 'list'>;
  linkMail: Pick<LinkMail, 'queue'>;
  clock: Clock;
}): PasswordResetMail {
  /**
   * Whether the account was sent its three mails in the last hour (more would flood its owner's
   * mailbox), counted from the audit trail, so that every API node keeps the same count.
   */
  async function mailedEnough(userId: string) {
    const since = deps.clock.now().getTime() - PER_ACCOUNT.windowMs;
    const records = await deps.audit.list({
      limit: PER_ACCOUNT.max,
      action: REQUEST_ACTION,
      targetId: userId,
    });
    return records.filter((record) => record.at.getTime() > since).length >= PER_ACCOUNT.max;
  }

  return {
    async request(email, locale, by) {
      const user = await deps.auth.findUserByEmail(email.trim());
      if (!user || user.disabledAt || (await mailedEnough(user.id))) return;
      await deps.store.transaction(async (trx) => {
        await deps.linkMail.queue(trx, { userId: user.id, purpose: 'password_reset', locale });
        await deps.audit.append(
          {
            actor: { type: 'system', id: 'password_reset_form' },
            action: REQUEST_ACTION,
            target: { type: 'user', id: user.id },
            details: { organisation: user.organisationId },
            ip: by.ip,
            requestId: by.requestId,
          },
          trx,
        );
      });
    },
  };
}

function ForgotPage(props: { locale: Locale; path: string; csrf: string; sent: boolean; error?: string }) {
  const { locale } = props;
  const t = { ...consoleMessages(locale), ...accountMessages(locale) };
  return (
    <Page locale={locale} title={t.forgotTitle} path={props.path}>
      <h1>{t.forgotTitle}</h1>
      {props.sent ? (
        <p class="note" role="status" id="forgot-sent">
          {fill(t.forgotSent, { hours: LINK_LIFETIME.hours })}
        </p>
      ) : (
        <>
          <p>{t.forgotIntro}</p>
          <FormError id="forgot-error" message={props.error} />
          <form method="post" action={`${FORGOT_PATH}?lang=${locale}`}>
            <input type="hidden" name="csrf" value={props.csrf} />
            <div class="field">
              <label for="email">{t.email}</label>
              <input id="email" name="email" type="email" autocomplete="username" required />
            </div>
            <button type="submit">{t.forgotSend}</button>
          </form>
        </>
      )}
      <p>
        <a href={`/console/sign-in?lang=${locale}`}>{t.signIn}</a>
      </p>
    </Page>
  );
}

/** /console/password/forgot: asks for the address, then says the same whatever it was. */
export function forgottenPasswordPages(deps: {
  reset: PasswordResetMail;
  clock: Clock;
  limits?: LookupLimits;
}) {
  // Per connection, as the public privacy form: a person asks once or twice, a flood many times.
  const limiter = createLookupLimiter(deps.clock, deps.limits ?? { max: 10, windowMs: 60 * 60_000 });
  const page = (request: FastifyRequest, reply: FastifyReply, sent: boolean, error?: string, status = 200) =>
    sendPage(
      reply,
      <ForgotPage
        locale={localeOf(request)}
        path={request.url}
        csrf={preSessionToken(request, reply)}
        sent={sent}
        {...(error ? { error } : {})}
      />,
      { status },
    );

  return async (app: App) => {
    await app.register(cookie);
    app.get(
      FORGOT_PATH,
      {
        schema: {
          hide: true,
          querystring: Type.Object({
            lang: Type.Optional(Type.String({ maxLength: 5 })),
            sent: Type.Optional(Type.String({ maxLength: 1 })),
          }),
        },
      },
      async (request, reply) => page(request, reply, request.query.sent === '1'),
    );

    app.post(
      FORGOT_PATH,
      {
        schema: {
          hide: true,
          body: Type.Object({
            csrf: Type.Optional(Type.String({ maxLength: 100 })),
            email: Type.String({ maxLength: 254 }),
          }),
        },
      },
      async (request, reply) => {
        if (!preSessionTokenMatches(request, request.body.csrf)) return csrfRefused(reply);
        const locale = localeOf(request);
        const wait = limiter.take(request.ip);
        if (wait !== undefined)
          return page(
            request,
            reply,
            false,
            fill(accountMessages(locale).forgotTooMany, { seconds: wait }),
            429,
          );
        await deps.reset.request(request.body.email, locale, { ip: request.ip, requestId: request.id });
        return reply.redirect(`${FORGOT_PATH}?lang=${locale}&sent=1`, 303);
      },
    );
  };
}
