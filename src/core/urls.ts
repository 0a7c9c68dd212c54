/** What is wrong with a URL Tijara will call or send a browser to, if anything. */
export type CallbackUrlProblem = 'invalid_url' | 'credentials_in_url' | 'insecure_url';

/**
 * An absolute http(s) URL without credentials; https only when `httpsOnly` (live mode), so test
 * integrations can point at a developer's machine.
 */
export function callbackUrlProblem(url: string, httpsOnly: boolean): CallbackUrlProblem | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'invalid_url';
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return 'invalid_url';
  if (parsed.username || parsed.password) return 'credentials_in_url';
  if (httpsOnly && parsed.protocol !== 'https:') return 'insecure_url';
  return undefined;
}
