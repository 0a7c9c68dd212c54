import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AuditLog } from '../audit/service.js';
import { authErrorMessage, isAuthError } from '../auth/errors.js';
import { type Organisation, rolesByKind, type User } from '../auth/model.js';
import { can, type Permission } from '../auth/permissions.js';
import type { AuthenticatedSession } from '../auth/service.js';
import { isCalendarDate } from '../core/time.js';
import type { App } from '../http/server.js';
import type { SharedStore } from '../store/store.js';
import type { Locale } from '../web/i18n.js';
import { fill } from '../web/i18n.js';
import { sendPage } from '../web/render.js';
import { authorityMessages } from './authority-messages.js';
import { PostButton } from './components.js';
import { byPerson, type ConsoleKit, csrfRefused, notFound, refusalPage } from './context.js';
import { LINK_LIFETIME, type LinkMail, type MailedLinkPurpose } from './link-mail.js';
import { consoleMessages } from './messages.js';
import { ConsolePage } from './shell.js';

export interface AuthorityPagesDeps {
  kit: ConsoleKit;
  store: SharedStore;
  audit: AuditLog;
  /** Sends invited people, and those an administrator resets, their one-time link. */
  linkMail: LinkMail;
}

const Csrf = Type.String({ maxLength: 200 });
const Id = Type.String({ maxLength: 64 });

/** An invitation makes a person (201); a reset only has a mail sent (202, accepted). */
const MAILED_STATUS: Record<MailedLinkPurpose, number> = { invitation: 201, password_reset: 202 };

/** A one-time link on its way to a person, said on the page of the action that sent it. */
interface MailedLink {
  email: string;
  purpose: MailedLinkPurpose;
}

function userState(user: User, t: ReturnType<typeof authorityMessages>) {
  if (user.disabledAt) return t.disabled;
  return user.hasPassword ? t.active : t.invited;
}

/** The authority's and the operator's pages: organisations and people, audit export, supervision hand-over. */
export function authorityPages(deps: AuthorityPagesDeps) {
  const { kit } = deps;
  const { auth } = kit;

  async function allowed(
    request: FastifyRequest,
    reply: FastifyReply,
    permission: Permission,
    csrf?: { token: string | undefined },
  ): Promise<{ signedIn: AuthenticatedSession; locale: Locale } | undefined> {
    const signedIn = await kit.signedIn(request, reply);
    if (!signedIn) return undefined;
    if (csrf && !auth.checkCsrf(signedIn.session, csrf.token)) {
      csrfRefused(reply);
      return undefined;
    }
    if (!can(signedIn.user, signedIn.organisation, permission)) {
      kit.forbidden(request, reply);
      return undefined;
    }
    return { signedIn, locale: kit.localeOf(request) };
  }

  async function organisationPage(
    request: FastifyRequest,
    reply: FastifyReply,
    session: { signedIn: AuthenticatedSession; locale: Locale },
    organisation: Organisation,
    notice: { mailed?: MailedLink; error?: string } = {},
  ) {
    const { signedIn, locale } = session;
    const t = { ...consoleMessages(locale), ...authorityMessages(locale) };
    const users = await auth.listUsers(organisation.id);
    const manages = can(signedIn.user, signedIn.organisation, 'organisations.manage');
    const csrf = signedIn.session.csrfToken;
    return sendPage(
      reply,
      <ConsolePage locale={locale} path={request.url} title={organisation.name} signedIn={signedIn}>
        {notice.mailed ? (
          <p class="note" role="status" id="link-mailed">
            {fill(notice.mailed.purpose === 'invitation' ? t.invitationMailed : t.resetMailed, {
              email: notice.mailed.email,
              ...LINK_LIFETIME,
            })}
          </p>
        ) : null}
        {notice.error ? (
          <p class="field-error" role="alert" id="invite-error">
            {notice.error}
          </p>
        ) : null}
        <h2>{t.people}</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">{t.name}</th>
              <th scope="col">{t.email}</th>
              <th scope="col">{t.role}</th>
              <th scope="col">{t.state}</th>
              <th scope="col">{t.authenticator}</th>
              <th scope="col">{t.lastSignIn}</th>
              {manages ? <th scope="col">{t.action}</th> : null}
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.id} data-user={u.email}>
                <td>{u.name}</td>
                <td dir="ltr">{u.email}</td>
                <td dir="ltr">{u.role}</td>
                <td class="user-state">{userState(u, t)}</td>
                <td>{u.totpEnabled ? '✓' : ''}</td>
                <td>{u.lastSignInAt ? u.lastSignInAt.toISOString().slice(0, 16).replace('T', ' ') : ''}</td>
                {manages ? (
                  <td>
                    {u.disabledAt || u.id === signedIn.user.id ? null : (
                      <div class="row">
                        <PostButton
                          action={`/console/users/${u.id}/disable?lang=${locale}`}
                          csrf={csrf}
                          label={t.disable}
                        />
                        <PostButton
                          action={`/console/users/${u.id}/password-reset?lang=${locale}`}
                          csrf={csrf}
                          label={t.resetPassword}
                        />
                      </div>
                    )}
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
        {manages ? (
          <>
            <h2>{t.invitePerson}</h2>
            <form
              method="post"
              action={`/console/organisations/${organisation.id}/invitations?lang=${locale}`}
            >
              <input type="hidden" name="csrf" value={csrf} />
              <div class="field">
                <label for="invite-name">{t.name}</label>
                <input id="invite-name" name="name" required maxlength={200} />
              </div>
              <div class="field">
                <label for="invite-email">{t.email}</label>
                <input id="invite-email" name="email" type="email" required dir="ltr" />
              </div>
              <div class="field">
                <label for="invite-role">{t.role}</label>
                <select id="invite-role" name="role">
                  {rolesByKind[organisation.kind].map((role) => (
                    <option value={role} key={role}>
                      {role}
                    </option>
                  ))}
                </select>
              </div>
              <button type="submit">{t.invite}</button>
            </form>
          </>
        ) : null}
      </ConsolePage>,
      { status: notice.error ? 400 : notice.mailed ? MAILED_STATUS[notice.mailed.purpose] : 200 },
    );
  }

  async function supervisionPage(
    request: FastifyRequest,
    reply: FastifyReply,
    session: { signedIn: AuthenticatedSession; locale: Locale },
    handedOverTo?: string,
  ) {
    const { signedIn, locale } = session;
    const t = { ...consoleMessages(locale), ...authorityMessages(locale) };
    const authorities = await auth.listOrganisations('authority');
    const current = authorities.find((o) => o.supervising);
    return sendPage(
      reply,
      <ConsolePage locale={locale} path={request.url} title={t.supervision} signedIn={signedIn}>
        {handedOverTo ? (
          <p class="note" role="status" id="handed-over">
            {fill(t.handedOver, { name: handedOverTo })}
          </p>
        ) : null}
        <dl class="summary">
          <div>
            <dt>{t.currentAuthority}</dt>
            <dd id="supervising">{current?.name ?? t.none}</dd>
          </div>
        </dl>
        <p class="note">{t.handOverNote}</p>
        <form method="post" action={`/console/supervision?lang=${locale}`}>
          <input type="hidden" name="csrf" value={signedIn.session.csrfToken} />
          <div class="field">
            <label for="organisation">{t.handOverTo}</label>
            <select id="organisation" name="organisation">
              {authorities
                .filter((o) => !o.supervising)
                .map((o) => (
                  <option value={o.id} key={o.id}>
                    {o.name}
                  </option>
                ))}
            </select>
          </div>
          <button type="submit">{t.handOver}</button>
        </form>
      </ConsolePage>,
    );
  }

  return async (app: App) => {
    app.get('/console/organisations', { schema: { hide: true } }, async (request, reply) => {
      const session = await allowed(request, reply, 'organisations.read');
      if (!session) return reply;
      const { signedIn, locale } = session;
      const t = { ...consoleMessages(locale), ...authorityMessages(locale) };
      const organisations = await auth.listOrganisations();
      return sendPage(
        reply,
        <ConsolePage locale={locale} path={request.url} title={t.organisations} signedIn={signedIn}>
          <table>
            <thead>
              <tr>
                <th scope="col">{t.name}</th>
                <th scope="col">{t.kind}</th>
                <th scope="col">{t.supervisingNow}</th>
              </tr>
            </thead>
            <tbody>
              {organisations.map((o) => (
                <tr key={o.id} data-organisation={o.id}>
                  <td>
                    <a href={`/console/organisations/${o.id}?lang=${locale}`}>{o.name}</a>
                  </td>
                  <td dir="ltr">{o.kind}</td>
                  <td>{o.supervising ? '✓' : ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ConsolePage>,
      );
    });

    app.get(
      '/console/organisations/:organisationId',
      { schema: { hide: true, params: Type.Object({ organisationId: Id }) } },
      async (request, reply) => {
        const session = await allowed(request, reply, 'organisations.read');
        if (!session) return reply;
        const organisation = await auth.getOrganisation(request.params.organisationId);
        if (!organisation) return notFound(request, reply);
        return organisationPage(request, reply, session, organisation);
      },
    );

    app.post(
      '/console/organisations/:organisationId/invitations',
      {
        schema: {
          hide: true,
          params: Type.Object({ organisationId: Id }),
          body: Type.Object({
            csrf: Type.Optional(Csrf),
            email: Type.String({ maxLength: 254 }),
            name: Type.String({ maxLength: 200 }),
            role: Type.String({ maxLength: 40 }),
          }),
        },
      },
      async (request, reply) => {
        const session = await allowed(request, reply, 'organisations.manage', { token: request.body.csrf });
        if (!session) return reply;
        const organisation = await auth.getOrganisation(request.params.organisationId);
        if (!organisation) return notFound(request, reply);
        const { email, name, role } = request.body;
        const outcome = await deps.store.transaction(async (trx) => {
          const user = await auth.createUser({ organisationId: organisation.id, email, name, role }, trx);
          if (isAuthError(user)) return user;
          await deps.linkMail.queue(trx, { userId: user.id, purpose: 'invitation', locale: session.locale });
          await deps.audit.append(
            {
              ...byPerson(session.signedIn, request),
              action: 'user.invite',
              target: { type: 'user', id: user.id },
              details: { organisation: organisation.id, email: user.email, role: user.role },
            },
            trx,
          );
          return { email: user.email, purpose: 'invitation' as const };
        });
        return isAuthError(outcome)
          ? organisationPage(request, reply, session, organisation, {
              error: fill(authorityMessages(session.locale).inviteRefused, {
                detail: authErrorMessage[outcome],
              }),
            })
          : organisationPage(request, reply, session, organisation, { mailed: outcome });
      },
    );

    const userAction = Type.Object({ csrf: Type.Optional(Csrf) });

    app.post(
      '/console/users/:userId/disable',
      { schema: { hide: true, params: Type.Object({ userId: Id }), body: userAction } },
      async (request, reply) => {
        const session = await allowed(request, reply, 'organisations.manage', { token: request.body.csrf });
        if (!session) return reply;
        const user = await auth.getUser(request.params.userId);
        if (!user) return notFound(request, reply);
        if (user.id === session.signedIn.user.id)
          return reply
            .code(409)
            .type('text/plain; charset=utf-8')
            .send(authorityMessages(session.locale).cannotDisableSelf);
        await deps.store.transaction(async (trx) => {
          await auth.disableUser(user.id, trx);
          await deps.audit.append(
            {
              ...byPerson(session.signedIn, request),
              action: 'user.disable',
              target: { type: 'user', id: user.id },
              details: { organisation: user.organisationId, email: user.email },
            },
            trx,
          );
        });
        return reply.redirect(`/console/organisations/${user.organisationId}?lang=${session.locale}`, 303);
      },
    );

    app.post(
      '/console/users/:userId/password-reset',
      { schema: { hide: true, params: Type.Object({ userId: Id }), body: userAction } },
      async (request, reply) => {
        const session = await allowed(request, reply, 'organisations.manage', { token: request.body.csrf });
        if (!session) return reply;
        const user = await auth.getUser(request.params.userId);
        const organisation = user && (await auth.getOrganisation(user.organisationId));
        if (!user || !organisation || user.disabledAt) return notFound(request, reply);
        await deps.store.transaction(async (trx) => {
          await deps.linkMail.queue(trx, {
            userId: user.id,
            purpose: 'password_reset',
            locale: session.locale,
          });
          await deps.audit.append(
            {
              ...byPerson(session.signedIn, request),
              action: 'user.password_reset.issue',
              target: { type: 'user', id: user.id },
              details: { organisation: user.organisationId, email: user.email },
            },
            trx,
          );
        });
        return organisationPage(request, reply, session, organisation, {
          mailed: { email: user.email, purpose: 'password_reset' },
        });
      },
    );

    app.get(
      '/console/audit/export',
      {
        schema: {
          hide: true,
          querystring: Type.Object({
            format: Type.Optional(Type.Union([Type.Literal('csv'), Type.Literal('json')])),
            from: Type.Optional(Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' })),
            until: Type.Optional(Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' })),
            lang: Type.Optional(Type.String({ maxLength: 5 })),
          }),
        },
      },
      async (request, reply) => {
        const session = await allowed(request, reply, 'audit.read');
        if (!session) return reply;
        const { format = 'csv', from, until } = request.query;
        if ((from && !isCalendarDate(from)) || (until && !isCalendarDate(until)))
          return refusalPage(request, reply, 400, consoleMessages(session.locale).noSuchDay);
        const range = {
          ...(from ? { from: new Date(`${from}T00:00:00Z`) } : {}),
          ...(until ? { until: new Date(`${until}T00:00:00Z`) } : {}),
        };
        // Reading the whole trail is itself recorded, before the export that then contains it.
        await deps.audit.append({
          ...byPerson(session.signedIn, request),
          action: 'audit.export',
          details: { format, from: from ?? null, until: until ?? null },
        });
        const pieces = format === 'json' ? deps.audit.exportJson(range) : deps.audit.exportCsv(range);
        return reply
          .type(format === 'json' ? 'application/json; charset=utf-8' : 'text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="tijara-audit.${format}"`)
          .header('cache-control', 'no-store')
          .send(Readable.from(pieces));
      },
    );

    app.get('/console/supervision', { schema: { hide: true } }, async (request, reply) => {
      const session = await allowed(request, reply, 'supervision.handover');
      if (!session) return reply;
      return supervisionPage(request, reply, session);
    });

    app.post(
      '/console/supervision',
      {
        schema: {
          hide: true,
          body: Type.Object({ csrf: Type.Optional(Csrf), organisation: Type.Optional(Id) }),
        },
      },
      async (request, reply) => {
        const session = await allowed(request, reply, 'supervision.handover', { token: request.body.csrf });
        if (!session) return reply;
        const outcome = await deps.store.transaction(async (trx) => {
          const handOver = await auth.handOverSupervision(request.body.organisation ?? '', trx);
          if (isAuthError(handOver)) return handOver;
          if (handOver.from?.id === handOver.to.id) return handOver;
          await deps.audit.append(
            {
              ...byPerson(session.signedIn, request),
              action: 'supervision.handover',
              target: { type: 'organisation', id: handOver.to.id },
              details: { from: handOver.from?.id ?? null, to: handOver.to.id, since: handOver.since },
            },
            trx,
          );
          return handOver;
        });
        if (isAuthError(outcome)) return notFound(request, reply);
        return supervisionPage(request, reply, session, outcome.to.name);
      },
    );
  };
}
