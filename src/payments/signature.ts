import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * `Tijara-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`, with one v1 for each secret
 * the endpoint signs with: two while a rolled secret's overlap lasts, the newest first.
 */
export function signWebhook(secrets: string | readonly string[], body: string, at: Date): string {
  const t = Math.floor(at.getTime() / 1000);
  const signatures = (typeof secrets === 'string' ? [secrets] : secrets).map(
    (secret) => `v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`,
  );
  return [`t=${t}`, ...signatures].join(',');
}

/**
 * What a merchant runs on receipt (the README shows the same code): true when genuine and fresh.
 * Any v1 may be the one made with the merchant's secret.
 */
export function verifyWebhook(
  header: string,
  body: string,
  secret: string,
  toleranceSeconds = 300,
  now = new Date(),
): boolean {
  const parts = header.split(',').map((part) => part.split('=', 2));
  const t = Number(parts.find(([key]) => key === 't')?.[1]);
  if (!Number.isInteger(t) || Math.abs(now.getTime() / 1000 - t) > toleranceSeconds) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  return parts.some(([key, value]) => {
    if (key !== 'v1' || value === undefined) return false;
    const given = Buffer.from(value, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
