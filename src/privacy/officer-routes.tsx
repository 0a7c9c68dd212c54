import cookie from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { consoleKit, localeOf, notFound, refusalPage } from '../console/context.js';
import { consoleMessages } from '../console/messages.js';
import { ConsolePage } from '../console/shell.js';
import type { App } from '../http/server.js';
import { consoleClosed } from '../merchants/model.js';
import { fill } from '../web/i18n.js';
import { sendPage } from '../web/render.js';
import { answering } from './answering.js';
import { FormBody, LIST_SIZE, type PrivacyConsoleDeps } from './console-routes.js';
import { privacyMessages } from './messages.js';
import { figuresByMerchant } from './oversight.js';
import { FiguresTable, officerPaths, RequestList } from './pages.js';

const MerchantParams = Type.Object({ merchantId: Type.String({ maxLength: 64 }) });
const MerchantRequestParams = Type.Object({
  merchantId: Type.String({ maxLength: 64 }),
  requestId: Type.String({ maxLength: 64 }),
});

/**
 * Law 09-08 on the authority's side (privacy.manage). Its data protection officer sees, merchant by
 * merchant, whether people's requests are answered in time; and answers them in the place of a merchant
 * whose console is closed (suspended or rejected), whose people could not, so that a person's rights
 * do not lapse with the merchant's right to trade. Only live requests: test data is no one's.
 */
export function officerRoutes(deps: PrivacyConsoleDeps) {
  const { permitted } = consoleKit(deps.auth);
  const kit = answering(deps);

  /**
   * The officer, for a merchant whose console is closed: undefined once a refusal is sent (not signed
   * in, not permitted, a wrong token, an unknown merchant, or one that answers its own requests).
   */
  async function officerFor(
    request: FastifyRequest,
    reply: FastifyReply,
    merchantId: string,
    csrf?: { token: unknown },
  ) {
    const signedIn = await permitted(request, reply, 'privacy.manage', csrf);
    if (!signedIn) return undefined;
    const locale = localeOf(request);
    const merchant = await deps.merchants.getMerchant(merchantId);
    if (!merchant) {
      notFound(request, reply);
      return undefined;
    }
    if (!consoleClosed(merchant.status)) {
      refusalPage(request, reply, 409, privacyMessages(locale).problem_console_open);
      return undefined;
    }
    return {
      signedIn,
      locale,
      merchant,
      /** Why its console is closed, which the officer's page says. */
      closedAs: merchant.status,
      paths: officerPaths(merchant.id),
      scope: { merchantId: merchant.id, livemode: true },
    };
  }

  return async (app: App) => {
    await app.register(cookie);

    app.get('/console/data-protection', { schema: { hide: true } }, async (request, reply) => {
      const session = await permitted(request, reply, 'privacy.manage');
      if (!session) return reply;
      const locale = localeOf(request);
      const t = privacyMessages(locale);
      const rows = await figuresByMerchant(deps.privacy, deps.merchants);
      return sendPage(
        reply,
        <ConsolePage
          locale={locale}
          path={request.url}
          title={consoleMessages(locale).dataProtection}
          signedIn={session}
        >
          <p>{fill(t.oversightIntro, { days: deps.answerDays })}</p>
          <FiguresTable t={t} locale={locale} rows={rows} />
        </ConsolePage>,
      );
    });

    app.get(
      '/console/data-protection/merchants/:merchantId',
      { schema: { hide: true, params: MerchantParams } },
      async (request, reply) => {
        const officer = await officerFor(request, reply, request.params.merchantId);
        if (!officer) return reply;
        const { locale, merchant } = officer;
        const t = privacyMessages(locale);
        const requests = await deps.privacy.listRequests(officer.scope, { limit: LIST_SIZE });
        return sendPage(
          reply,
          <ConsolePage
            locale={locale}
            path={request.url}
            title={`${consoleMessages(locale).privacyRequests} · ${merchant.name}`}
            signedIn={officer.signedIn}
          >
            <p id="officer-intro">
              {fill(t.officerIntro, { merchant: merchant.name, status: t[`status_${officer.closedAs}`] })}
            </p>
            <RequestList t={t} locale={locale} requests={requests} now={deps.now()} paths={officer.paths} />
          </ConsolePage>,
        );
      },
    );

    app.get(
      '/console/data-protection/merchants/:merchantId/requests/:requestId',
      { schema: { hide: true, params: MerchantRequestParams } },
      async (request, reply) => {
        const officer = await officerFor(request, reply, request.params.merchantId);
        if (!officer) return reply;
        const found = await deps.privacy.getRequest(officer.scope, request.params.requestId);
        if (!found) return notFound(request, reply);
        return kit.showRequest(request, reply, { ...officer, merchantName: officer.merchant.name }, found);
      },
    );

    app.post(
      '/console/data-protection/merchants/:merchantId/requests/:requestId/answer',
      { schema: { hide: true, params: MerchantRequestParams, body: FormBody } },
      async (request, reply) => {
        const officer = await officerFor(request, reply, request.params.merchantId, {
          token: request.body.csrf,
        });
        if (!officer) return reply;
        return kit.answer(request, reply, officer, {
          scope: officer.scope,
          requestId: request.params.requestId,
          once: request.body.once,
        });
      },
    );

    app.get(
      '/console/data-protection/merchants/:merchantId/requests/:requestId/answer.json',
      { schema: { hide: true, params: MerchantRequestParams } },
      async (request, reply) => {
        const officer = await officerFor(request, reply, request.params.merchantId);
        if (!officer) return reply;
        const found = await deps.privacy.getRequest(officer.scope, request.params.requestId);
        if (!found?.answer) return notFound(request, reply);
        return kit.sendAnswerFile(request, reply, officer, found);
      },
    );
  };
}
