import cookie from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AuthenticatedSession, AuthService } from '../auth/service.js';
import {
  actionRefused,
  byPerson,
  consoleKit,
  firstSubmission,
  notFound,
  problemText,
} from '../console/context.js';
import { consoleMessages } from '../console/messages.js';
import { ConsolePage } from '../console/shell.js';
import { Problem } from '../core/problem.js';
import type { App } from '../http/server.js';
import type { SharedStore } from '../store/store.js';
import { localeOf } from '../web/i18n.js';
import { sendPage } from '../web/render.js';
import { watchMessages } from './messages.js';
import type { SiteOwnerKind } from './model.js';
import {
  AddSiteForm,
  SiteDetail,
  SiteFilterForm,
  type SiteFormValues,
  SiteList,
  siteFilterOf,
  sitePath,
} from './pages.js';
import type { WatchRequester, WatchService } from './service.js';

export interface WatchConsoleDeps {
  watch: Pick<
    WatchService,
    | 'listSites'
    | 'getSite'
    | 'recentChecks'
    | 'listIncidents'
    | 'addSite'
    | 'checkNow'
    | 'acceptContent'
    | 'setEnabled'
  >;
  auth: AuthService;
  /** Where a form's one-time token is claimed. */
  store: SharedStore;
}

/** How many sites the list shows, and how many checks and incidents a site's page shows. */
const LIST_SIZE = 200;
const HISTORY_SIZE = 20;

const FormBody = Type.Record(Type.String(), Type.String({ maxLength: 2000 }));
const SiteParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

/** The actions on one site, each a one-button form posted to /console/sites/:id/<name>. */
type SiteAction = (watch: WatchConsoleDeps['watch'], id: string, by: WatchRequester) => Promise<unknown>;
const SITE_ACTIONS: Record<'check' | 'accept' | 'pause' | 'resume', SiteAction> = {
  check: (watch, id) => watch.checkNow(id),
  accept: (watch, id, by) => watch.acceptContent(id, by),
  pause: (watch, id, by) => watch.setEnabled(id, false, by),
  resume: (watch, id, by) => watch.setEnabled(id, true, by),
};

/** The add form's minutes between checks: absent when left empty, NaN (refused by the service) when not a number. */
const everyMinutesOf = (raw = '') => (raw.trim() === '' ? undefined : Number(raw));

/** The supervising authority's console pages of web-site monitoring: the watched sites, their checks, the actions. */
export function watchConsoleRoutes(deps: WatchConsoleDeps) {
  const { permitted } = consoleKit(deps.auth);

  /** The signed-in watcher of sites (sites.watch), posting our own form's token when `csrf` is given. */
  const watcherSession = (request: FastifyRequest, reply: FastifyReply, csrf?: { token: unknown }) =>
    permitted(request, reply, 'sites.watch', csrf);

  /** The list, its filter and the add form (again with what was typed and why it was refused, after a refusal). */
  async function listPage(
    request: FastifyRequest,
    reply: FastifyReply,
    session: AuthenticatedSession,
    refused?: { values: SiteFormValues; error: string; status: number },
  ) {
    const locale = localeOf(request);
    const t = watchMessages(locale);
    const filter = siteFilterOf(request.query);
    const sites = await deps.watch.listSites({
      ...(filter === 'all' ? {} : { status: filter }),
      limit: LIST_SIZE,
    });
    return sendPage(
      reply,
      <ConsolePage
        locale={locale}
        path={refused ? `/console/sites?lang=${locale}` : request.url}
        title={consoleMessages(locale).watchedSites}
        signedIn={session}
      >
        <p>{t.intro}</p>
        <SiteFilterForm t={t} locale={locale} filter={filter} />
        <SiteList t={t} locale={locale} sites={sites} />
        <AddSiteForm
          t={t}
          locale={locale}
          csrf={session.session.csrfToken}
          values={refused?.values ?? {}}
          error={refused?.error}
        />
      </ConsolePage>,
      { status: refused?.status ?? 200 },
    );
  }

  /** An action the service refused (unknown site, nothing to accept), said plainly with the way back. */
  function refused(
    request: FastifyRequest,
    reply: FastifyReply,
    session: AuthenticatedSession,
    siteId: string,
    problem: Problem,
  ) {
    const locale = localeOf(request);
    const t = watchMessages(locale);
    return actionRefused(reply, {
      locale,
      signedIn: session,
      title: t.actionRefused,
      problem,
      text: problemText(t, problem),
      thing: { href: sitePath(siteId, locale), label: t.backToSite },
      list: { href: `/console/sites?lang=${locale}`, label: t.backToList },
    });
  }

  return async (app: App) => {
    await app.register(cookie);

    app.get('/console/sites', { schema: { hide: true } }, async (request, reply) => {
      const session = await watcherSession(request, reply);
      if (!session) return reply;
      return listPage(request, reply, session);
    });

    app.get('/console/sites/:id', { schema: { hide: true, params: SiteParams } }, async (request, reply) => {
      const session = await watcherSession(request, reply);
      if (!session) return reply;
      const site = await deps.watch.getSite(request.params.id);
      if (!site) return notFound(request, reply);
      const locale = localeOf(request);
      const t = watchMessages(locale);
      const [checks, incidents] = await Promise.all([
        deps.watch.recentChecks(site.id, HISTORY_SIZE),
        deps.watch.listIncidents({ siteId: site.id, limit: HISTORY_SIZE }),
      ]);
      return sendPage(
        reply,
        <ConsolePage
          locale={locale}
          path={request.url}
          title={`${t.site} · ${site.label}`}
          signedIn={session}
        >
          <SiteDetail
            t={t}
            locale={locale}
            csrf={session.session.csrfToken}
            site={site}
            checks={checks}
            incidents={incidents}
          />
        </ConsolePage>,
      );
    });

    app.post('/console/sites', { schema: { hide: true, body: FormBody } }, async (request, reply) => {
      const session = await watcherSession(request, reply, { token: request.body.csrf });
      if (!session) return reply;
      const locale = localeOf(request);
      const t = watchMessages(locale);
      const { url = '', label = '', owner_kind, every_minutes } = request.body;
      const everyMinutes = everyMinutesOf(every_minutes);
      // The claim of the form's one-time token and the new site commit together.
      const added = await deps.store.transaction(async (trx) =>
        (await firstSubmission(trx, session, 'site_add', request.body.once))
          ? deps.watch.addSite(
              {
                url,
                label,
                // The service refuses a kind it does not know.
                ownerKind: owner_kind as SiteOwnerKind,
                ...(everyMinutes === undefined ? {} : { everyMinutes }),
              },
              byPerson(session, request),
              trx,
            )
          : undefined,
      );
      if (added instanceof Problem)
        return listPage(request, reply, session, {
          values: { url, label, owner_kind, every_minutes },
          error: `${t.addRefused} ${problemText(t, added)}`,
          status: added.status,
        });
      // A form sent again added its site the first time: the list shows it.
      return reply.redirect(added ? sitePath(added.id, locale) : `/console/sites?lang=${locale}`, 303);
    });

    for (const [name, act] of Object.entries(SITE_ACTIONS))
      app.post(
        `/console/sites/:id/${name}`,
        { schema: { hide: true, params: SiteParams, body: FormBody } },
        async (request, reply) => {
          const session = await watcherSession(request, reply, { token: request.body.csrf });
          if (!session) return reply;
          const { id } = request.params;
          // These actions take no transaction of ours (a check visits the site): the token is claimed
          // first, and an action that then fails leaves a page to load again for a fresh form.
          const first = await firstSubmission(deps.store.db, session, `site_${name}`, request.body.once);
          const done = first ? await act(deps.watch, id, byPerson(session, request)) : undefined;
          if (done instanceof Problem) return refused(request, reply, session, id, done);
          return reply.redirect(sitePath(id, localeOf(request)), 303);
        },
      );
  };
}
