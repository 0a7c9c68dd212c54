import cookie from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AuthenticatedSession, AuthService } from '../auth/service.js';
import {
  actionRefused,
  consoleKit,
  firstSubmission,
  notFound,
  problemText,
  refusalPage,
} from '../console/context.js';
import { consoleMessages } from '../console/messages.js';
import { ConsolePage } from '../console/shell.js';
import { Problem } from '../core/problem.js';
import type { App } from '../http/server.js';
import type { MerchantService } from '../merchants/service.js';
import type { SharedDb, SharedStore } from '../store/store.js';
import { localeOf } from '../web/i18n.js';
import { sendPage } from '../web/render.js';
import { riskMessages } from './messages.js';
import {
  AlertDetail,
  AlertFilterForm,
  AlertList,
  alertFilterOf,
  alertPath,
  REVIEW_DECISIONS,
} from './pages.js';
import type { AlertReview, RiskAlert, RiskService } from './service.js';

export interface RiskConsoleDeps {
  risk: Pick<RiskService, 'listAlerts' | 'getAlert' | 'reviewAlert'>;
  auth: AuthService;
  merchants: Pick<MerchantService, 'getMerchant'>;
  /** Where a review form's one-time token is claimed. */
  store: SharedStore;
}

/** How many of the latest alerts the list shows. */
const LIST_SIZE = 100;

const FormBody = Type.Record(Type.String(), Type.String({ maxLength: 2000 }));
const AlertParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

/** The supervising authority's console pages of transaction monitoring: the alerts and their review. */
export function riskConsoleRoutes(deps: RiskConsoleDeps) {
  const { permitted } = consoleKit(deps.auth);

  /** The signed-in reviewer of alerts (risk.review), posting our own form's token when `csrf` is given. */
  const reviewerSession = (request: FastifyRequest, reply: FastifyReply, csrf?: { token: unknown }) =>
    permitted(request, reply, 'risk.review', csrf);

  /** The names of the merchants the alerts are about (an unknown id keeps no name). */
  async function merchantNames(alerts: readonly RiskAlert[]) {
    const ids = new Set(alerts.filter((a) => a.subjectKind === 'merchant').map((a) => a.subject));
    const names = new Map<string, string>();
    for (const id of ids) {
      const merchant = await deps.merchants.getMerchant(id);
      if (merchant) names.set(id, merchant.name);
    }
    return names;
  }

  /** A review the service refused (unknown alert, already resolved), said plainly with the way back. */
  function reviewRefused(
    request: FastifyRequest,
    reply: FastifyReply,
    session: AuthenticatedSession,
    alertId: string,
    problem: Problem,
  ) {
    const locale = localeOf(request);
    const t = riskMessages(locale);
    return actionRefused(reply, {
      locale,
      signedIn: session,
      title: t.reviewRefused,
      problem,
      text: problemText(t, problem),
      thing: { href: alertPath(alertId, locale), label: t.backToAlert },
      list: { href: `/console/risk?lang=${locale}`, label: t.backToList },
    });
  }

  /**
   * The review, unless this form's one-time token was claimed before (a double click or a refresh posts
   * it again): the claim and the review commit together. Tokens go in the key space of the reviewer's
   * organisation.
   */
  function reviewOnce(
    once: string | undefined,
    session: AuthenticatedSession,
    review: (db: SharedDb) => Promise<RiskAlert | Problem>,
  ) {
    return deps.store.transaction(async (trx) =>
      (await firstSubmission(trx, session, 'risk_review', once)) ? review(trx) : undefined,
    );
  }

  return async (app: App) => {
    await app.register(cookie);

    app.get('/console/risk', { schema: { hide: true } }, async (request, reply) => {
      const session = await reviewerSession(request, reply);
      if (!session) return reply;
      const locale = localeOf(request);
      const t = riskMessages(locale);
      const filter = alertFilterOf(request.query);
      const alerts = await deps.risk.listAlerts({
        ...(filter === 'all' ? {} : { status: filter }),
        limit: LIST_SIZE,
      });
      return sendPage(
        reply,
        <ConsolePage
          locale={locale}
          path={request.url}
          title={consoleMessages(locale).riskAlerts}
          signedIn={session}
        >
          <p>{t.intro}</p>
          <AlertFilterForm t={t} locale={locale} filter={filter} />
          <AlertList t={t} locale={locale} alerts={alerts} merchantNames={await merchantNames(alerts)} />
        </ConsolePage>,
      );
    });

    app.get('/console/risk/:id', { schema: { hide: true, params: AlertParams } }, async (request, reply) => {
      const session = await reviewerSession(request, reply);
      if (!session) return reply;
      const alert = await deps.risk.getAlert(request.params.id);
      if (!alert) return notFound(request, reply);
      const locale = localeOf(request);
      const t = riskMessages(locale);
      const reviewer = alert.review?.by ? await deps.auth.getUser(alert.review.by) : undefined;
      return sendPage(
        reply,
        <ConsolePage
          locale={locale}
          path={request.url}
          title={`${t.alert} · ${t[`rule_${alert.rule}`]}`}
          signedIn={session}
        >
          <AlertDetail
            t={t}
            locale={locale}
            csrf={session.session.csrfToken}
            alert={alert}
            merchantNames={await merchantNames([alert])}
            reviewerName={reviewer?.name}
          />
        </ConsolePage>,
      );
    });

    app.post(
      '/console/risk/:id/review',
      { schema: { hide: true, params: AlertParams, body: FormBody } },
      async (request, reply) => {
        const session = await reviewerSession(request, reply, { token: request.body.csrf });
        if (!session) return reply;
        const locale = localeOf(request);
        const decision = request.body.decision as AlertReview['decision'];
        if (!REVIEW_DECISIONS.includes(decision))
          return refusalPage(request, reply, 400, riskMessages(locale).unknownDecision);
        const reviewed = await reviewOnce(request.body.once, session, (trx) =>
          deps.risk.reviewAlert(
            request.params.id,
            {
              decision,
              note: request.body.note?.trim() || null,
              reviewer: session.user.id,
              actor: { type: 'user', id: session.user.id, organisationId: session.organisation.id },
              ip: request.ip,
              requestId: request.id,
            },
            trx,
          ),
        );
        if (reviewed instanceof Problem)
          return reviewRefused(request, reply, session, request.params.id, reviewed);
        return reply.redirect(alertPath(request.params.id, locale), 303);
      },
    );
  };
}
