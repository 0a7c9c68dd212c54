import { Type } from 'typebox';
import type { App } from '../http/server.js';
import { LOCALES, localeOf } from '../web/i18n.js';
import { sendPage } from '../web/render.js';
import { PROTECTIONS } from './register.js';
import { describeRegister, RegisterPage, type RegisterSettings } from './register-page.js';

// An unknown language passes (and falls back in localeOf), like on the other pages.
const PageQuery = Type.Object({ lang: Type.Optional(Type.String({ maxLength: 5 })) });

const ProcessingSchema = Type.Object({
  id: Type.String(),
  people: Type.String(),
  data: Type.String(),
  purpose: Type.String(),
  basis: Type.String(),
  basis_text: Type.String(),
  recipients: Type.String(),
  retention: Type.String(),
  reads_logged: Type.Boolean({ description: 'each reading of it in the console is on the audit trail' }),
  stored_in: Type.Array(
    Type.Object({
      table: Type.String(),
      column: Type.String(),
      protection: Type.Enum(PROTECTIONS),
      protection_text: Type.String(),
    }),
  ),
});

/**
 * Law 09-08's register of processing, public: the page /privacy for people, and the same as JSON for
 * anyone who checks it (the CNDP, a journalist, a shop's lawyer).
 */
export function registerRoutes(settings: RegisterSettings) {
  return async (app: App) => {
    app.get('/privacy', { schema: { hide: true, querystring: PageQuery } }, async (request, reply) =>
      sendPage(reply, <RegisterPage locale={localeOf(request)} path={request.url} settings={settings} />),
    );

    app.get(
      '/v1/privacy/register',
      {
        schema: {
          tags: ['privacy'],
          summary:
            'The register of processing (law 09-08): every kind of personal data Tijara keeps, why, on what basis, for how long, and where and how each is stored. Public.',
          querystring: Type.Object({ lang: Type.Optional(Type.Enum(LOCALES, { default: 'en' })) }),
          response: {
            200: Type.Object({
              object: Type.Literal('privacy_register'),
              language: Type.Enum(LOCALES),
              processings: Type.Array(ProcessingSchema),
            }),
          },
        },
      },
      async (request) => {
        const language = request.query.lang ?? 'en';
        return {
          object: 'privacy_register' as const,
          language,
          processings: describeRegister(language, settings),
        };
      },
    );
  };
}
