import cookie from '@fastify/cookie';
import multipart from '@fastify/multipart';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { sensitiveRead } from '../../audit/sensitive.js';
import type { AuditLog } from '../../audit/service.js';
import { can } from '../../auth/permissions.js';
import type { AuthenticatedSession, AuthService } from '../../auth/service.js';
import { byPerson, consoleKit, notFound, problemText, refusalPage } from '../../console/context.js';
import { ConsolePage } from '../../console/shell.js';
import { currencies, parseDecimalAmount } from '../../core/money.js';
import { Problem } from '../../core/problem.js';
import type { App } from '../../http/server.js';
import { formOnce } from '../../payments/idempotency.js';
import { localeOf } from '../../web/i18n.js';
import { Page, sendPage } from '../../web/render.js';
import type { MerchantService } from '../service.js';
import { MAX_DOCUMENT_BYTES } from './documents.js';
import { onboardingMessages } from './messages.js';
import {
  ApplicationForm,
  type ApplicationFormValues,
  ApplicationStatusView,
  CaseDetail,
  CaseList,
  OWNER_SLOTS,
} from './pages.js';
import { needsFourEyes } from './risk.js';
import { readUpload } from './routes.js';
import type { Decision, MerchantActor, OnboardingService, Reviewer } from './service.js';
import type { ApplicationBody, FieldError } from './validation.js';

export interface OnboardingConsoleDeps {
  onboarding: OnboardingService;
  merchants: MerchantService;
  auth: AuthService;
  audit: Pick<AuditLog, 'append'>;
  now: () => Date;
}

/** The application form's urlencoded fields turned into the API's body, so both are verified alike. */
export function formToApplication(form: ApplicationFormValues): ApplicationBody {
  const owners = Array.from({ length: OWNER_SLOTS }, (_, i) => i)
    .filter((i) => i === 0 || (form[`owner${i}_latin_name`] ?? '').trim() !== '')
    .map((i) => ({
      latin_name: form[`owner${i}_latin_name`],
      arabic_name: form[`owner${i}_arabic_name`],
      id_kind: form[`owner${i}_id_kind`],
      id_number: form[`owner${i}_id_number`],
      birth_date: form[`owner${i}_birth_date`],
      nationality: form[`owner${i}_nationality`],
      share: form[`owner${i}_share`],
    }));
  const volume = parseDecimalAmount((form.volume_mad ?? '').replace(/[\s,]/g, ''), currencies.MAD);
  return {
    company: {
      name: form.company_name,
      legal_form: form.legal_form,
      ice: form.ice,
      rc_number: form.rc_number,
      rc_court: form.rc_court,
      if: form.tax_id,
      address: form.address,
      sector: form.sector,
    },
    owners,
    domains: (form.domains ?? '').split(/[\s,]+/).filter(Boolean),
    expected_monthly_volume: volume === undefined ? 'invalid' : volume.toString(),
    rib: form.rib,
  };
}

const FormBody = Type.Record(Type.String(), Type.String({ maxLength: 4000 }));

/** The console pages of onboarding: the merchant's application, and the authority's cases. */
export function onboardingConsoleRoutes(deps: OnboardingConsoleDeps) {
  const { onboarding } = deps;

  const { signedIn, forbidden } = consoleKit(deps.auth);
  /** A refused action, in the page's language where the problem is a known one, with the way back. */
  function refuseProblem(request: FastifyRequest, reply: FastifyReply, problem: Problem, backTo: string) {
    const locale = localeOf(request);
    const t = onboardingMessages(locale);
    const text = problemText(t, problem);
    return sendPage(
      reply,
      <Page locale={locale} title={text} path={request.url}>
        <h1 id="refusal" data-code={problem.code}>
          {text}
        </h1>
        <p>
          <a href={`${backTo}?lang=${locale}`}>{t.back}</a>
        </p>
      </Page>,
      { status: problem.status },
    );
  }
  const csrfOk = (session: AuthenticatedSession, token: unknown) =>
    deps.auth.checkCsrf(session.session, typeof token === 'string' ? token : undefined);

  /** The signed-in merchant person, or a refusal already sent. */
  async function merchantSession(request: FastifyRequest, reply: FastifyReply) {
    const session = await signedIn(request, reply);
    if (!session) return undefined;
    if (!session.organisation.merchantId) {
      forbidden(request, reply);
      return undefined;
    }
    return { session, merchantId: session.organisation.merchantId };
  }

  /** Only the merchant's owner changes its application, and only from our own form (the CSRF token). */
  const ownerActs = (session: AuthenticatedSession, csrf: unknown) =>
    csrfOk(session, csrf) && session.user.role === 'owner';

  /** The signed-in owner of the merchant, posting the form's CSRF token, or a refusal already sent. */
  async function ownerPosting(request: FastifyRequest, reply: FastifyReply, csrf: unknown) {
    const m = await merchantSession(request, reply);
    if (!m) return undefined;
    if (!ownerActs(m.session, csrf)) {
      forbidden(request, reply);
      return undefined;
    }
    return m;
  }

  /** The signed-in reviewer (merchants.review), or a refusal already sent. */
  async function reviewerSession(request: FastifyRequest, reply: FastifyReply) {
    const session = await signedIn(request, reply);
    if (!session) return undefined;
    if (!can(session.user, session.organisation, 'merchants.review')) {
      forbidden(request, reply);
      return undefined;
    }
    const reviewer: Reviewer = {
      id: session.user.id,
      organisationId: session.organisation.id,
      senior: can(session.user, session.organisation, 'merchants.approve_high_risk'),
      ip: request.ip,
      requestId: request.id,
    };
    return { session, reviewer };
  }

  /** The reviewer posting one of the case forms with the session's CSRF token, or a refusal already sent. */
  async function reviewerPosting(request: FastifyRequest, reply: FastifyReply, csrf: unknown) {
    const r = await reviewerSession(request, reply);
    if (!r) return undefined;
    if (!csrfOk(r.session, csrf)) {
      forbidden(request, reply);
      return undefined;
    }
    return r;
  }

  const personActor = (session: AuthenticatedSession, request: FastifyRequest): MerchantActor => ({
    type: 'user',
    id: session.user.id,
    organisationId: session.organisation.id,
    ip: request.ip,
    requestId: request.id,
  });

  async function applicationPage(
    request: FastifyRequest,
    reply: FastifyReply,
    session: AuthenticatedSession,
    merchantId: string,
    extra: { values?: ApplicationFormValues; errors?: FieldError[]; liveKey?: string; status?: number } = {},
  ) {
    const locale = localeOf(request);
    const t = onboardingMessages(locale);
    const file = await onboarding.currentFile(merchantId);
    const isOwner = session.user.role === 'owner';
    const showForm = !file?.application || file.application.status === 'rejected';
    return sendPage(
      reply,
      <ConsolePage locale={locale} path={request.url} title={t.applicationTitle} signedIn={session}>
        {showForm ? (
          isOwner ? (
            <ApplicationForm
              t={t}
              locale={locale}
              csrf={session.session.csrfToken}
              values={extra.values ?? {}}
              errors={extra.errors ?? []}
            />
          ) : (
            <p>{t.intro}</p>
          )
        ) : (
          <ApplicationStatusView
            t={t}
            locale={locale}
            csrf={session.session.csrfToken}
            file={file}
            now={deps.now()}
            isOwner={isOwner}
            liveKey={extra.liveKey}
          />
        )}
      </ConsolePage>,
      { status: extra.status ?? 200 },
    );
  }

  const back = (request: FastifyRequest, path: string) => `${path}?lang=${localeOf(request)}`;
  /** After a form's action: back to the page it was sent from, or the refusal with the way back there. */
  const afterAction = (request: FastifyRequest, reply: FastifyReply, result: unknown, page: string) =>
    result instanceof Problem
      ? refuseProblem(request, reply, result, page)
      : reply.redirect(back(request, page), 303);

  return async (app: App) => {
    await app.register(cookie);
    await app.register(multipart, { limits: { fileSize: MAX_DOCUMENT_BYTES, files: 1, fields: 10 } });

    app.get('/console/application', { schema: { hide: true } }, async (request, reply) => {
      const m = await merchantSession(request, reply);
      if (!m) return reply;
      return applicationPage(request, reply, m.session, m.merchantId);
    });

    app.post('/console/application', { schema: { hide: true, body: FormBody } }, async (request, reply) => {
      const m = await ownerPosting(request, reply, request.body.csrf);
      if (!m) return reply;
      const result = await onboarding.submit(
        m.merchantId,
        formToApplication(request.body),
        personActor(m.session, request),
      );
      if (result instanceof Problem) {
        const errors = (result.extensions.errors as FieldError[] | undefined) ?? [
          { field: 'application', code: result.code, detail: result.detail ?? result.title },
        ];
        return applicationPage(request, reply, m.session, m.merchantId, {
          values: request.body,
          errors,
          status: result.status,
        });
      }
      return reply.redirect(back(request, '/console/application'), 303);
    });

    app.post(
      '/console/application/response',
      { schema: { hide: true, body: FormBody } },
      async (request, reply) => {
        const m = await ownerPosting(request, reply, request.body.csrf);
        if (!m) return reply;
        const result = await onboarding.respond(
          m.merchantId,
          (request.body.message ?? '').trim(),
          personActor(m.session, request),
        );
        return afterAction(request, reply, result, '/console/application');
      },
    );

    app.post('/console/application/documents', { schema: { hide: true } }, async (request, reply) => {
      const m = await merchantSession(request, reply);
      if (!m) return reply;
      const upload = await readUpload(request);
      if (upload instanceof Problem) return refuseProblem(request, reply, upload, '/console/application');
      if (!ownerActs(m.session, upload.fields.csrf)) return forbidden(request, reply);
      const result = await onboarding.addDocument(m.merchantId, upload, personActor(m.session, request));
      return afterAction(request, reply, result, '/console/application');
    });

    app.post(
      '/console/application/live-key',
      { schema: { hide: true, body: FormBody } },
      async (request, reply) => {
        const m = await ownerPosting(request, reply, request.body.csrf);
        if (!m) return reply;
        const once = request.body.once;
        const result = await onboarding.createLiveKey(
          m.merchantId,
          personActor(m.session, request),
          once && formOnce.pattern.test(once) ? once : undefined,
        );
        if (result instanceof Problem) return refuseProblem(request, reply, result, '/console/application');
        // Shown in this response only: the secret is never stored in clear, nor put in a URL.
        return applicationPage(request, reply, m.session, m.merchantId, { liveKey: result.secret });
      },
    );

    app.get('/console/cases', { schema: { hide: true } }, async (request, reply) => {
      const r = await reviewerSession(request, reply);
      if (!r) return reply;
      const locale = localeOf(request);
      const t = onboardingMessages(locale);
      const all = (request.query as { all?: string }).all === '1';
      const cases = await onboarding.listCases({ open: !all });
      return sendPage(
        reply,
        <ConsolePage locale={locale} path={request.url} title={t.cases} signedIn={r.session}>
          <p>
            <a href={`/console/cases?lang=${locale}${all ? '' : '&all=1'}`}>
              {all ? t.state_open : `${t.state_approved} / ${t.state_rejected}`}
            </a>
          </p>
          <CaseList t={t} locale={locale} cases={cases} now={deps.now()} />
        </ConsolePage>,
      );
    });

    app.get(
      '/console/cases/:id',
      { schema: { hide: true, params: Type.Object({ id: Type.String({ maxLength: 64 }) }) } },
      async (request, reply) => {
        const r = await reviewerSession(request, reply);
        if (!r) return reply;
        const locale = localeOf(request);
        const t = onboardingMessages(locale);
        const file = await onboarding.caseFile(request.params.id);
        if (!file) return notFound(request, reply);
        // The page shows the owners' identity documents and birth dates: each view is on the record.
        if (file.owners.length > 0)
          await deps.audit.append({
            ...byPerson(r.session, request),
            ...sensitiveRead('onboarding.owner_identity', 'merchant_vetting', {
              type: 'onboarding_case',
              id: file.case.id,
            }),
          });
        const merchant = await deps.merchants.getMerchant(file.case.merchant_id);
        return sendPage(
          reply,
          <ConsolePage
            locale={locale}
            path={request.url}
            title={`${t.case} · ${file.application?.company_name ?? merchant?.name ?? ''}`}
            signedIn={r.session}
          >
            <CaseDetail
              t={t}
              locale={locale}
              csrf={r.session.session.csrfToken}
              file={file}
              merchantStatus={merchant?.status ?? ''}
              fourEyes={needsFourEyes({
                riskLevel: file.case.risk_level,
                escalated: file.case.escalated,
                hits: file.hits,
              })}
              now={deps.now()}
            />
          </ConsolePage>,
        );
      },
    );

    const decisions: readonly Decision[] = ['approve', 'reject', 'request_information', 'escalate'];
    app.post(
      '/console/cases/:id/decision',
      { schema: { hide: true, params: Type.Object({ id: Type.String({ maxLength: 64 }) }), body: FormBody } },
      async (request, reply) => {
        const r = await reviewerPosting(request, reply, request.body.csrf);
        if (!r) return reply;
        const decision = request.body.decision as Decision;
        if (!decisions.includes(decision)) return refusalPage(request, reply, 400, 'unknown decision');
        const note = request.body.note?.trim() || undefined;
        const result = await onboarding.decide(request.params.id, r.reviewer, decision, note);
        return afterAction(request, reply, result, `/console/cases/${request.params.id}`);
      },
    );

    app.post(
      '/console/cases/:id/recheck',
      { schema: { hide: true, params: Type.Object({ id: Type.String({ maxLength: 64 }) }), body: FormBody } },
      async (request, reply) => {
        const r = await reviewerPosting(request, reply, request.body.csrf);
        if (!r) return reply;
        const result = await onboarding.recheck(request.params.id, r.reviewer);
        return afterAction(request, reply, result, `/console/cases/${request.params.id}`);
      },
    );

    app.post(
      '/console/cases/:id/hits/:hitId',
      {
        schema: {
          hide: true,
          params: Type.Object({ id: Type.String({ maxLength: 64 }), hitId: Type.String({ maxLength: 64 }) }),
          body: FormBody,
        },
      },
      async (request, reply) => {
        const r = await reviewerPosting(request, reply, request.body.csrf);
        if (!r) return reply;
        const verdict = request.body.verdict;
        if (verdict !== 'false_positive' && verdict !== 'true_match')
          return refusalPage(request, reply, 400, 'unknown verdict');
        const result = await onboarding.markHit(request.params.id, request.params.hitId, r.reviewer, verdict);
        return afterAction(request, reply, result, `/console/cases/${request.params.id}`);
      },
    );

    app.get(
      '/console/cases/:id/documents/:documentId',
      {
        schema: {
          hide: true,
          params: Type.Object({
            id: Type.String({ maxLength: 64 }),
            documentId: Type.String({ maxLength: 64 }),
          }),
        },
      },
      async (request, reply) => {
        const r = await reviewerSession(request, reply);
        if (!r) return reply;
        const result = await onboarding.openDocument(
          request.params.id,
          request.params.documentId,
          r.reviewer,
        );
        if (result instanceof Problem)
          return refuseProblem(request, reply, result, `/console/cases/${request.params.id}`);
        return reply
          .type(result.contentType)
          .header('content-disposition', `inline; filename="${result.kind}"`)
          .header('cache-control', 'no-store')
          .header('x-content-type-options', 'nosniff')
          .header('content-security-policy', "default-src 'none'")
          .send(result.bytes);
      },
    );

    app.post(
      '/console/merchants/:merchantId/suspend',
      {
        schema: {
          hide: true,
          params: Type.Object({ merchantId: Type.String({ maxLength: 64 }) }),
          body: FormBody,
        },
      },
      async (request, reply) => {
        const r = await reviewerPosting(request, reply, request.body.csrf);
        if (!r) return reply;
        const result = await onboarding.suspend(
          request.params.merchantId,
          r.reviewer,
          request.body.reason?.trim() || 'suspended',
        );
        if (result instanceof Problem) return refuseProblem(request, reply, result, '/console/cases');
        return reply.redirect(back(request, `/console/cases/${result.id}`), 303);
      },
    );
  };
}
