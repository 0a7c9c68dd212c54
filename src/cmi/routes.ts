import { Type } from 'typebox';
import type { App } from '../http/server.js';
import { pickLocale } from '../web/i18n.js';
import { sendPage } from '../web/render.js';
import { cc5Error } from './api.js';
import { demoShopRoutes } from './demo-shop.js';
import { gateRefusedPage, gatewayInfoPage, notFinishedPage, orderNotFoundPage, returnPage } from './pages.js';
import type { CmiDeps, CmiService } from './service.js';

const LangQuery = Type.Object({ lang: Type.Optional(Type.String()) });
// `status` also comes back from the hosted page; it is not trusted, so not read.
const ReturnQuery = Type.Object({
  payment: Type.Optional(Type.String({ maxLength: 100 })),
  lang: Type.Optional(Type.String()),
});

/**
 * The CC5Request, whether posted as the raw body (text/xml, application/xml, or no proper type at all,
 * as many PHP integrations send it) or as the form field DATA, as CMI also accepts.
 */
function cc5RequestText(body: unknown): string | undefined {
  if (typeof body !== 'string') return undefined;
  if (body.trimStart().startsWith('<')) return body;
  return new URLSearchParams(body).get('DATA') ?? undefined;
}

/** The routes CMI's "3D Pay Hosting" plugins call, under the paths they already use, and the demo shop. */
export function cmiRoutes(deps: CmiDeps & { cmi: CmiService /** Mount the demo shop. */; demo: boolean }) {
  const { cmi } = deps;
  return async (app: App) => {
    app.get('/fim/est3Dgate', { schema: { hide: true, querystring: LangQuery } }, async (request, reply) => {
      const locale = pickLocale(request.query.lang, request.headers['accept-language']);
      return sendPage(reply, gatewayInfoPage({ locale }));
    });

    app.post('/fim/est3Dgate', { schema: { hide: true } }, async (request, reply) => {
      const result = await cmi.startPayment(request.body);
      if (result.ok) return reply.redirect(`/pay/${result.paymentId}?lang=${result.lang}`, 303);
      const { lang, problems, shopUrl } = result;
      return sendPage(reply, gateRefusedPage({ locale: lang, problems, shopUrl }), { status: 400 });
    });

    app.get('/fim/return', { schema: { hide: true, querystring: ReturnQuery } }, async (request, reply) => {
      const { payment, lang } = request.query;
      const path = request.url;
      const localeFor = (fallback?: string) =>
        pickLocale(lang ?? fallback, request.headers['accept-language']);
      const completion = payment ? await cmi.completeOrder(payment) : ({ kind: 'not_found' } as const);
      if (completion.kind === 'not_found')
        return sendPage(reply, orderNotFoundPage({ locale: localeFor(), path }), { status: 404 });
      const locale = localeFor(completion.lang);
      if (completion.kind === 'not_finished') {
        const page = notFinishedPage({ locale, path, paymentId: completion.paymentId });
        return sendPage(reply, page, { status: 409 });
      }
      const { approved, target, fields } = completion;
      return sendPage(reply, returnPage({ locale, path, approved, target, fields }), {
        formAction: [new URL(target).origin],
      });
    });

    // Its own context, so that every body reaches the handler as text, whatever its content type.
    await app.register(async (api: App) => {
      api.removeAllContentTypeParsers();
      api.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
      api.post('/fim/api', { schema: { hide: true } }, async (request, reply) => {
        const xml = cc5RequestText(request.body);
        const result = xml
          ? await cmi.orderStatus(xml)
          : { httpStatus: 400, xml: cc5Error('send the CC5Request XML as the body') };
        return reply
          .code(result.httpStatus)
          .type('text/xml; charset=utf-8')
          .header('cache-control', 'no-store')
          .send(result.xml);
      });
    });

    if (deps.demo)
      await app.register(demoShopRoutes({ cmi, merchants: deps.merchants, baseUrl: deps.baseUrl }));
  };
}
