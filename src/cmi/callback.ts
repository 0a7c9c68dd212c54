import { fetchTo } from '../core/network.js';
import type { CmiFields } from './model.js';

/** What a shop's callback page answered: capture the PreAuth, order recorded, or "try again". */
export type CallbackAnswer = 'postauth' | 'approved' | 'failure';

export type CallbackResult = { answer: 'postauth' | 'approved' } | { error: string };

// The answer is one short word; reading more would only let a shop's error page fill memory.
const MAX_ANSWER_BYTES = 4096;

/** Reads CMI's callback answers: `ACTION=POSTAUTH`, `APPROVED`, else (`FAILURE`, anything) a failure. */
export function readCallbackAnswer(body: string): CallbackAnswer {
  if (/ACTION\s*=\s*POSTAUTH/i.test(body)) return 'postauth';
  if (/\bAPPROVED\b/i.test(body)) return 'approved';
  return 'failure';
}

async function readStart(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let bytes = 0;
  while (bytes < MAX_ANSWER_BYTES) {
    const { done, value } = await reader.read();
    if (done) return text;
    bytes += value.byteLength;
    text += decoder.decode(value, { stream: true });
  }
  await reader.cancel();
  return text.slice(0, MAX_ANSWER_BYTES);
}

/**
 * Posts the signed fields to the shop's callback URL, server to server, as CMI does; redirects are not
 * followed (a shop that moved must say so in its configuration, not send us elsewhere).
 */
export async function postCallback(
  url: string,
  fields: CmiFields,
  options: {
    timeoutMs: number /** A live store's URL must resolve to public addresses only. */;
    publicOnly: boolean;
  },
): Promise<CallbackResult> {
  const { timeoutMs } = options;
  try {
    const response = await fetchTo(options.publicOnly)(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'Tijara-CMI/1' },
      body: new URLSearchParams(fields).toString(),
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = await readStart(response);
    if (response.status < 200 || response.status >= 300)
      return { error: `shop answered HTTP ${response.status}` };
    const answer = readCallbackAnswer(body);
    return answer === 'failure' ? { error: 'shop answered FAILURE (or no known answer)' } : { answer };
  } catch (caught) {
    return { error: `callback failed: ${(caught as Error).message}` };
  }
}
