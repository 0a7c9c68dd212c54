import cookie from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AuthService } from '../auth/service.js';
import {
  byPerson,
  consoleKit,
  firstSubmission,
  inEitherMode,
  type MerchantSession,
  modeOf,
  notFound,
  problemText,
} from '../console/context.js';
import { consoleMessages } from '../console/messages.js';
import { ConsolePage } from '../console/shell.js';
import { Problem, problems } from '../core/problem.js';
import { isCalendarDate, moroccanDate, moroccanDayBounds } from '../core/time.js';
import type { App } from '../http/server.js';
import type { Scope } from '../payments/events.js';
import { fill } from '../web/i18n.js';
import { sendPage } from '../web/render.js';
import { type AnsweringDeps, answering } from './answering.js';
import { privacyMessages } from './messages.js';
import type { RequestKind } from './model.js';
import {
  type FormRefusal,
  listPath,
  merchantPaths,
  RequestFilterForm,
  RequestForm,
  type RequestFormValues,
  RequestList,
  requestFilterOf,
  requestPath,
} from './pages.js';

export interface PrivacyConsoleDeps extends AnsweringDeps {
  auth: AuthService;
  /** Days a merchant has to answer (the service's setting), said on the pages. */
  answerDays: number;
  /** What "overdue" is measured against. */
  now: () => Date;
}

/** How many of the latest requests the list shows. */
export const LIST_SIZE = 100;

export const FormBody = Type.Record(Type.String(), Type.String({ maxLength: 2000 }));
export const RequestParams = Type.Object({ requestId: Type.String({ maxLength: 64 }) });

/** The form's fields the service names (its problem's `field`) when it refuses one. */
const FORM_FIELDS = ['kind', 'email', 'corrected_email', 'note', 'received_at'] as const;

/**
 * When the request came, from the day typed: now when it is today (the service's default), else the
 * start of that Moroccan day, the earliest it can have come, so the deadline is never later than the
 * law's. Anything but a calendar day is an invalid date, which the service refuses.
 */
function receivedAtOf(day: string, now: Date): Date | undefined {
  if (day === '' || day === moroccanDate(now)) return undefined;
  return isCalendarDate(day) ? moroccanDayBounds(day).start : new Date(Number.NaN);
}

/**
 * Law 09-08 in the merchant's console: its owner records the requests people send about their data and
 * has Tijara answer them (privacy.requests). The authority's side is officer-routes.tsx.
 */
export function privacyConsoleRoutes(deps: PrivacyConsoleDeps) {
  const { merchantSession } = consoleKit(deps.auth);
  const kit = answering(deps);

  /** The signed-in owner of a merchant (privacy.requests), posting our own form's token when `csrf` is given. */
  const ownerSession = (request: FastifyRequest, reply: FastifyReply, csrf?: { token: string | undefined }) =>
    merchantSession(request, reply, 'privacy.requests', csrf);

  /** The merchant's request in whichever mode it lives; another merchant's is not found. */
  const ownRequest = (merchantId: string, id: string) =>
    inEitherMode(merchantId, (scope) => deps.privacy.getRequest(scope, id));

  /** Who the service acts for: the merchant, in the mode of the request. */
  async function callerOf(scope: Scope) {
    const merchant = await deps.merchants.getMerchant(scope.merchantId);
    return merchant && { merchant, livemode: scope.livemode };
  }

  /** The list, its filter and the form (again with what was typed and why it was refused, after a refusal). */
  async function listPage(
    request: FastifyRequest,
    reply: FastifyReply,
    session: MerchantSession,
    refused?: { values: RequestFormValues; refusal: FormRefusal; status: number },
  ) {
    const { locale, merchantId, signedIn } = session;
    const t = privacyMessages(locale);
    const livemode = modeOf(request);
    const filter = requestFilterOf(request.query);
    const requests = await deps.privacy.listRequests(
      { merchantId, livemode },
      { ...(filter === 'all' ? {} : { status: filter }), limit: LIST_SIZE },
    );
    const now = deps.now();
    return sendPage(
      reply,
      <ConsolePage
        locale={locale}
        path={refused ? listPath(locale, livemode) : request.url}
        title={consoleMessages(locale).privacyRequests}
        signedIn={signedIn}
      >
        <p>{fill(t.intro, { days: deps.answerDays })}</p>
        <RequestFilterForm t={t} locale={locale} filter={filter} livemode={livemode} />
        <RequestList t={t} locale={locale} requests={requests} now={now} />
        <RequestForm
          t={t}
          locale={locale}
          csrf={signedIn.session.csrfToken}
          livemode={livemode}
          today={moroccanDate(now)}
          values={refused?.values ?? {}}
          refused={refused?.refusal}
        />
      </ConsolePage>,
      { status: refused?.status ?? 200 },
    );
  }

  /** Why the form was refused, about the field the service names when the catalogue has words for it. */
  function formRefusal(problem: Problem, locale: MerchantSession['locale']): FormRefusal {
    const t = privacyMessages(locale);
    const field = FORM_FIELDS.find((f) => f === problem.extensions.field);
    const why = field && problem.code === 'invalid_request' ? t[`invalid_${field}`] : problemText(t, problem);
    return { message: `${t.fileRefused} ${why}`, field };
  }

  return async (app: App) => {
    await app.register(cookie);

    app.get('/console/privacy', { schema: { hide: true } }, async (request, reply) => {
      const session = await ownerSession(request, reply);
      if (!session) return reply;
      return listPage(request, reply, session);
    });

    app.post('/console/privacy', { schema: { hide: true, body: FormBody } }, async (request, reply) => {
      const session = await ownerSession(request, reply, { token: request.body.csrf });
      if (!session) return reply;
      const livemode = modeOf(request);
      const caller = await callerOf({ merchantId: session.merchantId, livemode });
      if (!caller) return notFound(request, reply);
      const { kind = '', email = '', corrected_email = '', note = '', received_at = '' } = request.body;
      const receivedAt = receivedAtOf(received_at, deps.now());
      // The claim of the form's one-time token and the new request commit together.
      const filed = await deps.store.transaction(async (trx) =>
        (await firstSubmission(trx, session.signedIn, 'privacy_request', request.body.once))
          ? deps.privacy.fileRequest(
              caller,
              {
                // The service refuses a kind it does not know.
                kind: kind as RequestKind,
                email,
                correctedEmail: corrected_email.trim() || null,
                note: note.trim() || null,
                ...(receivedAt ? { receivedAt } : {}),
              },
              byPerson(session.signedIn, request),
              trx,
            )
          : undefined,
      );
      if (filed instanceof Problem)
        return listPage(request, reply, session, {
          values: { kind, email, corrected_email, note, received_at },
          refusal: formRefusal(filed, session.locale),
          status: filed.status,
        });
      // A form sent again recorded its request the first time: the list shows it.
      return reply.redirect(
        filed ? requestPath(filed.id, session.locale) : listPath(session.locale, livemode),
        303,
      );
    });

    app.get(
      '/console/privacy/:requestId',
      { schema: { hide: true, params: RequestParams } },
      async (request, reply) => {
        const session = await ownerSession(request, reply);
        if (!session) return reply;
        const own = await ownRequest(session.merchantId, request.params.requestId);
        if (!own) return notFound(request, reply);
        return kit.showRequest(request, reply, { ...session, paths: merchantPaths }, own.found);
      },
    );

    app.post(
      '/console/privacy/:requestId/answer',
      { schema: { hide: true, params: RequestParams, body: FormBody } },
      async (request, reply) => {
        const session = await ownerSession(request, reply, { token: request.body.csrf });
        if (!session) return reply;
        const { requestId } = request.params;
        const own = await ownRequest(session.merchantId, requestId);
        const who = { ...session, paths: merchantPaths };
        if (!own)
          return kit.answerRefused(reply, who, requestId, problems.notFound('this request'), modeOf(request));
        return kit.answer(request, reply, who, { scope: own.scope, requestId, once: request.body.once });
      },
    );

    app.get(
      '/console/privacy/:requestId/answer.json',
      { schema: { hide: true, params: RequestParams } },
      async (request, reply) => {
        const session = await ownerSession(request, reply);
        if (!session) return reply;
        const own = await ownRequest(session.merchantId, request.params.requestId);
        if (!own?.found.answer) return notFound(request, reply);
        return kit.sendAnswerFile(request, reply, session, own.found);
      },
    );
  };
}
