import type { FastifyReply, FastifyRequest } from 'fastify';
import { sensitiveRead } from '../audit/sensitive.js';
import type { AuditLog } from '../audit/service.js';
import type { AuthenticatedSession } from '../auth/service.js';
import { actionRefused, byPerson, firstSubmission, problemText } from '../console/context.js';
import { ConsolePage } from '../console/shell.js';
import { Problem, problems } from '../core/problem.js';
import type { MerchantService } from '../merchants/service.js';
import type { Scope } from '../payments/events.js';
import type { SharedStore } from '../store/store.js';
import type { Locale } from '../web/i18n.js';
import { sendPage } from '../web/render.js';
import { privacyMessages } from './messages.js';
import type { PrivacyRequest } from './model.js';
import { RequestDetail, type RequestPaths } from './pages.js';
import type { PrivacyService } from './service.js';

export interface AnsweringDeps {
  privacy: PrivacyService;
  store: SharedStore;
  merchants: Pick<MerchantService, 'getMerchant'>;
  audit: Pick<AuditLog, 'append'>;
  /** What "overdue" is measured against. */
  now: () => Date;
}

/** Who answers in the console: the merchant's owner, or the data protection officer in its place. */
export interface Answerer {
  signedIn: AuthenticatedSession;
  locale: Locale;
  paths: RequestPaths;
  /** Said in the page's title when the officer answers in a merchant's place. */
  merchantName?: string;
}

/**
 * What answering a request takes in the console, whoever answers: the record of each view of the
 * person's data, the answer itself (its form sent once) and the file the person is sent.
 */
export function answering(deps: AnsweringDeps) {
  /** The person's addresses and their answer are shown: each view is on the record, as every read of such data. */
  const recordRead = (
    who: Pick<Answerer, 'signedIn'>,
    request: FastifyRequest,
    shown: PrivacyRequest,
    view: 'page' | 'answer_file',
  ) =>
    deps.audit.append({
      ...byPerson(who.signedIn, request),
      ...sensitiveRead(
        'privacy_request.subject',
        'data_subject_request',
        { type: 'privacy_request', id: shown.id },
        { view },
      ),
    });

  /** The request's page (its view on the record): its facts, then its answer or the button that answers it. */
  async function showRequest(
    request: FastifyRequest,
    reply: FastifyReply,
    who: Answerer,
    shown: PrivacyRequest,
  ) {
    await recordRead(who, request, shown, 'page');
    const { locale } = who;
    const t = privacyMessages(locale);
    const merchant = who.merchantName ? ` · ${who.merchantName}` : '';
    return sendPage(
      reply,
      <ConsolePage
        locale={locale}
        path={request.url}
        title={`${t.request} · ${t[`kind_${shown.kind}`]}${merchant}`}
        signedIn={who.signedIn}
      >
        <RequestDetail
          t={t}
          locale={locale}
          csrf={who.signedIn.session.csrfToken}
          request={shown}
          now={deps.now()}
          paths={who.paths}
        />
      </ConsolePage>,
    );
  }

  /** The answer the service refused (unknown request, answered already), with the way back. */
  function answerRefused(
    reply: FastifyReply,
    who: Answerer,
    id: string,
    problem: Problem,
    livemode: boolean,
  ) {
    const { locale } = who;
    const t = privacyMessages(locale);
    return actionRefused(reply, {
      locale,
      signedIn: who.signedIn,
      title: t.actionRefused,
      problem,
      text: problemText(t, problem),
      thing: { href: who.paths.request(id, locale), label: t.backToRequest },
      list: { href: who.paths.list(locale, livemode), label: t.backToList },
    });
  }

  /** Answers the request of this scope from the console's form, then shows it (or says why not). */
  async function answer(
    request: FastifyRequest,
    reply: FastifyReply,
    who: Answerer,
    form: { scope: Scope; requestId: string; once: string | undefined },
  ) {
    const { scope, requestId } = form;
    const merchant = await deps.merchants.getMerchant(scope.merchantId);
    if (!merchant)
      return answerRefused(reply, who, requestId, problems.notFound('this request'), scope.livemode);
    const caller = { merchant, livemode: scope.livemode };
    // The long read first, outside the transaction (PrivacyService.prescan); then the claim of the
    // form's one-time token and the answer commit together.
    const prescan = await deps.privacy.prescan(caller, requestId);
    const answered = await deps.store.transaction(async (trx) =>
      (await firstSubmission(trx, who.signedIn, 'privacy_answer', form.once))
        ? deps.privacy.answerRequest(caller, requestId, byPerson(who.signedIn, request), trx, prescan)
        : undefined,
    );
    if (answered instanceof Problem) return answerRefused(reply, who, requestId, answered, scope.livemode);
    return reply.redirect(who.paths.request(requestId, who.locale), 303);
  }

  /** What the person is sent: the answer as the API spells it, with the request it answers (a view on the record). */
  async function sendAnswerFile(
    request: FastifyRequest,
    reply: FastifyReply,
    who: Pick<Answerer, 'signedIn'>,
    answered: PrivacyRequest,
  ) {
    await recordRead(who, request, answered, 'answer_file');
    const merchant = await deps.merchants.getMerchant(answered.merchantId);
    const file = {
      object: 'privacy_answer',
      request: answered.id,
      merchant: merchant?.name ?? answered.merchantId,
      received_at: answered.receivedAt.toISOString(),
      answered_at: answered.answeredAt?.toISOString() ?? null,
      ...answered.answer,
    };
    return reply
      .type('application/json; charset=utf-8')
      .header('content-disposition', `attachment; filename="privacy-answer-${answered.id}.json"`)
      .send(`${JSON.stringify(file, null, 2)}\n`);
  }

  return { showRequest, answerRefused, answer, sendAnswerFile };
}
