import { fastifyCookie } from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthService } from '../../auth/service.js';
import { SESSION_COOKIE } from '../../console/context.js';
import { consoleClosed } from '../model.js';
import type { MerchantService } from '../service.js';

// What a suspended or rejected merchant's people may still open: signing in and out, and their application.
const OPEN_PATHS = /^\/console\/(sign-in|sign-out|application)(\/|\?|$)/;

/**
 * Closes the console's data to the people of a suspended or rejected merchant, at once: checked on every
 * console request against the merchant's current status (the API keys are refused by merchantAuthentication).
 * Registered on the root server so it covers pages other modules register.
 */
export function merchantConsoleGate(deps: { auth: AuthService; merchants: MerchantService }) {
  return async function closeConsoleOfBarredMerchants(request: FastifyRequest, reply: FastifyReply) {
    if (!request.url.startsWith('/console/') || OPEN_PATHS.test(request.url)) return;
    const token = fastifyCookie.parse(request.headers.cookie ?? '')[SESSION_COOKIE];
    if (!token) return;
    const session = await deps.auth.authenticateSession(token);
    const merchantId = session?.organisation.merchantId;
    if (!merchantId) return;
    const status = (await deps.merchants.getMerchant(merchantId))?.status;
    if (!consoleClosed(status)) return;
    return reply
      .code(403)
      .type('application/problem+json')
      .send({
        type: 'https://tijara.ma/problems/merchant_not_allowed',
        title: 'Merchant not allowed',
        status: 403,
        code: 'merchant_not_allowed',
        detail: `this merchant is ${status}: its data is closed until a reviewed reinstatement`,
      });
  };
}
