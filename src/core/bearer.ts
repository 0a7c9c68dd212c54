import type { FastifyReply, FastifyRequest } from 'fastify';
import { Problem } from './problem.js';

/**
 * The caller that the secret of `Authorization: Bearer …` authenticates. Throws a 401 with its
 * WWW-Authenticate challenge when the header is missing or the secret unknown; `words` say which secret
 * the API expects ("sk_test_… or sk_live_…") and what an unknown one is, in the problem's detail.
 */
export async function bearerCaller<Caller>(
  request: FastifyRequest,
  reply: FastifyReply,
  authenticate: (secret: string) => Promise<Caller | undefined>,
  words: { expected: string; unknown: string },
): Promise<Caller> {
  const secret = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
  if (!secret) {
    reply.header('www-authenticate', 'Bearer');
    throw new Problem(
      401,
      'unauthenticated',
      'Authentication required',
      `send Authorization: Bearer ${words.expected}`,
    );
  }
  const caller = await authenticate(secret);
  if (!caller) {
    reply.header('www-authenticate', 'Bearer error="invalid_token"');
    throw new Problem(401, 'invalid_api_key', 'Invalid API key', words.unknown);
  }
  return caller;
}
