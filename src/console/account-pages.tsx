import type { FastifyReply, FastifyRequest } from 'fastify';
import QRCode from 'qrcode';
import { Type } from 'typebox';
import type { AuditLog } from '../audit/service.js';
import { isAuthError } from '../auth/errors.js';
import { type PasswordLinkPurpose, totpRequiredKinds, type User } from '../auth/model.js';
import type { AuthService } from '../auth/service.js';
import type { App } from '../http/server.js';
import type { SharedStore } from '../store/store.js';
import { FormError, OneTimeCodeField } from '../web/fields.js';
import type { Locale } from '../web/i18n.js';
import { fill, localeOf } from '../web/i18n.js';
import { Page, sendPage } from '../web/render.js';
import { accountMessages } from './account-messages.js';
import { csrfRefused, preSessionToken, preSessionTokenMatches, refusalPage } from './context.js';
import { consoleMessages } from './messages.js';

export interface AccountPagesDeps {
  store: SharedStore;
  auth: AuthService;
  audit: AuditLog;
}

// Long enough to open an authenticator app and type a code, short enough not to linger.
const ENROLMENT_MS = 15 * 60_000;
const Token = Type.String({ maxLength: 64 });

/** The path of each password link, and the page title it shows. */
const passwordLinks: Record<PasswordLinkPurpose, { path: string; title: 'invitationTitle' | 'resetTitle' }> =
  {
    invitation: { path: 'invitation', title: 'invitationTitle' },
    password_reset: { path: 'password-reset', title: 'resetTitle' },
  };

function messages(locale: Locale) {
  return { ...consoleMessages(locale), ...accountMessages(locale) };
}

const invalidLink = (request: FastifyRequest, reply: FastifyReply) =>
  refusalPage(request, reply, 404, messages(localeOf(request)).invalidLink);

/** Pages reached by a one-time link, before any session: choose a password, then enrol an authenticator. */
export function accountPages(deps: AccountPagesDeps) {
  const { auth } = deps;

  function passwordPage(
    request: FastifyRequest,
    reply: FastifyReply,
    purpose: PasswordLinkPurpose,
    user: User,
    error?: string,
  ) {
    const locale = localeOf(request);
    const t = messages(locale);
    const title = t[passwordLinks[purpose].title];
    return sendPage(
      reply,
      <Page locale={locale} title={title} path={request.url}>
        <h1>{title}</h1>
        <p>{fill(t.greeting, { name: user.name, email: user.email })}</p>
        <FormError id="password-error" message={error} />
        <form method="post" action={`${new URL(request.url, 'http://x').pathname}?lang=${locale}`}>
          <input type="hidden" name="csrf" value={preSessionToken(request, reply)} />
          <div class="field">
            <label for="password">{t.newPassword}</label>
            <input id="password" name="password" type="password" autocomplete="new-password" required />
          </div>
          <div class="field">
            <label for="repeat">{t.repeatPassword}</label>
            <input id="repeat" name="repeat" type="password" autocomplete="new-password" required />
          </div>
          <button type="submit">{t.setPassword}</button>
        </form>
      </Page>,
      { status: error ? 400 : 200 },
    );
  }

  /** Starts an enrolment and shows its key; after a wrong code, only asks again for the key already shown. */
  async function enrolmentPage(request: FastifyRequest, reply: FastifyReply, user: User, error?: string) {
    const locale = localeOf(request);
    const t = messages(locale);
    const enrolment = error ? undefined : await auth.startTotpEnrolment(user.id);
    if (isAuthError(enrolment)) return invalidLink(request, reply);
    const qr = enrolment && (await QRCode.toDataURL(enrolment.otpauthUri, { margin: 1, width: 200 }));
    return sendPage(
      reply,
      <Page locale={locale} title={t.enrolTitle} path={request.url}>
        <h1>{t.enrolTitle}</h1>
        <p>{t.enrolIntro}</p>
        <FormError id="totp-error" message={error} />
        {enrolment ? (
          <>
            <dl class="summary">
              <div>
                <dt>{t.secretKey}</dt>
                <dd dir="ltr">
                  <code id="totp-secret">{enrolment.secret}</code>
                </dd>
              </div>
              <div>
                <dt>{t.otpauthUri}</dt>
                <dd dir="ltr">
                  <code id="totp-uri">{enrolment.otpauthUri}</code>
                </dd>
              </div>
            </dl>
            <p>
              <img src={qr} alt={t.qrCode} width={200} height={200} />
            </p>
          </>
        ) : null}
        <form method="post" action={`${new URL(request.url, 'http://x').pathname}?lang=${locale}`}>
          <input type="hidden" name="csrf" value={preSessionToken(request, reply)} />
          <OneTimeCodeField label={t.confirmCode} required />
          <button type="submit">{t.confirm}</button>
        </form>
      </Page>,
      { status: error ? 400 : 200 },
    );
  }

  const signInWith = (locale: Locale, notice: 'password_set' | 'enrolled') =>
    `/console/sign-in?lang=${locale}&notice=${notice}`;

  return async (app: App) => {
    for (const purpose of Object.keys(passwordLinks) as PasswordLinkPurpose[]) {
      const path = `/console/${passwordLinks[purpose].path}/:token`;

      app.get(
        path,
        { schema: { hide: true, params: Type.Object({ token: Token }) } },
        async (request, reply) => {
          const user = await auth.linkUser(request.params.token, purpose);
          if (!user) return invalidLink(request, reply);
          return passwordPage(request, reply, purpose, user);
        },
      );

      app.post(
        path,
        {
          schema: {
            hide: true,
            params: Type.Object({ token: Token }),
            body: Type.Object({
              csrf: Type.Optional(Type.String({ maxLength: 100 })),
              password: Type.String({ maxLength: 1000 }),
              repeat: Type.String({ maxLength: 1000 }),
            }),
          },
        },
        async (request, reply) => {
          if (!preSessionTokenMatches(request, request.body.csrf)) return csrfRefused(reply);
          const locale = localeOf(request);
          const t = messages(locale);
          const { token } = request.params;
          const user = await auth.linkUser(token, purpose);
          if (!user) return invalidLink(request, reply);
          if (request.body.password !== request.body.repeat)
            return passwordPage(request, reply, purpose, user, t.passwordsDiffer);
          const outcome = await deps.store.transaction(async (trx) => {
            const changed = await auth.useOneTimeLink(token, purpose, request.body.password, trx);
            if (isAuthError(changed)) return changed;
            await deps.audit.append(
              {
                actor: { type: 'user', id: changed.id, organisationId: changed.organisationId },
                action: purpose === 'invitation' ? 'user.invitation.accept' : 'user.password_reset',
                target: { type: 'user', id: changed.id },
                ip: request.ip,
                requestId: request.id,
              },
              trx,
            );
            return changed;
          });
          if (outcome === 'invalid_link') return invalidLink(request, reply);
          if (isAuthError(outcome)) {
            const known = outcome in t ? t[outcome as keyof typeof t] : outcome;
            return passwordPage(request, reply, purpose, user, known);
          }
          const organisation = await auth.getOrganisation(outcome.organisationId);
          // Roles that must use a second factor enrol it now, while the person is here.
          if (organisation && totpRequiredKinds.includes(organisation.kind) && !outcome.totpEnabled) {
            const link = await auth.createOneTimeLink(outcome.id, 'totp_enrolment', ENROLMENT_MS);
            if (!isAuthError(link)) return reply.redirect(`/console/enrol/${link.token}?lang=${locale}`, 303);
          }
          return reply.redirect(signInWith(locale, 'password_set'), 303);
        },
      );
    }

    app.get(
      '/console/enrol/:token',
      { schema: { hide: true, params: Type.Object({ token: Token }) } },
      async (request, reply) => {
        const user = await auth.enrolmentUser(request.params.token);
        if (!user) return invalidLink(request, reply);
        return enrolmentPage(request, reply, user);
      },
    );

    app.post(
      '/console/enrol/:token',
      {
        schema: {
          hide: true,
          params: Type.Object({ token: Token }),
          body: Type.Object({
            csrf: Type.Optional(Type.String({ maxLength: 100 })),
            code: Type.String({ maxLength: 10 }),
          }),
        },
      },
      async (request, reply) => {
        if (!preSessionTokenMatches(request, request.body.csrf)) return csrfRefused(reply);
        const locale = localeOf(request);
        const user = await auth.enrolmentUser(request.params.token);
        if (!user) return invalidLink(request, reply);
        const outcome = await deps.store.transaction(async (trx) => {
          const enrolled = await auth.confirmTotp(user.id, request.body.code.trim(), trx);
          if (isAuthError(enrolled)) return enrolled;
          await deps.audit.append(
            {
              actor: { type: 'user', id: user.id, organisationId: user.organisationId },
              action: 'user.totp.enrol',
              target: { type: 'user', id: user.id },
              ip: request.ip,
              requestId: request.id,
            },
            trx,
          );
          return enrolled;
        });
        if (isAuthError(outcome)) return enrolmentPage(request, reply, user, messages(locale).codeWrong);
        return reply.redirect(signInWith(locale, 'enrolled'), 303);
      },
    );
  };
}
