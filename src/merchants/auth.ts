import type { FastifyReply, FastifyRequest } from 'fastify';
import { bearerCaller } from '../core/bearer.js';
import { Problem } from '../core/problem.js';
import type { MerchantCaller, MerchantService } from './service.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The merchant (and mode) a secret key authenticated; set on API routes. */
    caller?: MerchantCaller;
  }
}

/**
 * Authenticates `Authorization: Bearer sk_…`. A merchant not yet approved works in test mode only;
 * a suspended or rejected one is refused in both.
 */
export function merchantAuthentication(merchants: MerchantService) {
  return async function authenticateMerchant(request: FastifyRequest, reply: FastifyReply) {
    const caller = await bearerCaller(request, reply, (secret) => merchants.authenticate(secret), {
      expected: 'sk_test_… or sk_live_…',
      unknown: 'this secret key does not exist or was revoked',
    });
    const { status } = caller.merchant;
    if (status === 'suspended' || status === 'rejected') {
      throw new Problem(403, 'merchant_not_allowed', 'Merchant not allowed', `this merchant is ${status}`);
    }
    if (caller.livemode && status !== 'active') {
      throw new Problem(
        403,
        'merchant_not_approved',
        'Live mode not allowed',
        'live keys work once the merchant is approved',
      );
    }
    request.caller = caller;
  };
}

export function callerOf(request: FastifyRequest): MerchantCaller {
  if (!request.caller) throw new Error('route reached without merchant authentication');
  return request.caller;
}
