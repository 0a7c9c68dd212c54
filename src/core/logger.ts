import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

// Card numbers: 13 to 19 digits, possibly grouped by spaces or dashes.
const PAN_LIKE = /\b\d(?:[ -]?\d){12,18}\b/g;

/** Masks every card-number-like run of digits, keeping only the last four. */
export function maskPans(text: string): string {
  return text.replace(PAN_LIKE, (match) => `[pan …${match.replace(/\D/g, '').slice(-4)}]`);
}

function scrub(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return maskPans(value);
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  // Requests, responses and errors go to pino's own serializers untouched.
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) out[key] = scrub(v, depth + 1);
  return out;
}

// One-time links carry their secret in the path (invitations, password resets, enrolment).
const ONE_TIME_LINK = /^(\/console\/(?:invitation|password-reset|enrol)\/)[^/?#]+/;

/** A request as logged: method, a URL with any one-time-link secret masked, and where it came from. */
function requestForLog(request: {
  method?: string;
  url?: string;
  ip?: string;
  socket?: { remoteAddress?: string };
}) {
  return {
    method: request.method,
    url: maskPans((request.url ?? '').replace(ONE_TIME_LINK, '$1[redacted]')),
    remoteAddress: request.ip ?? request.socket?.remoteAddress,
  };
}

const SECRET_KEYS = [
  'pan',
  'cardNumber',
  'card_number',
  'cvv',
  'cvc',
  'cvv2',
  'password',
  'newPassword',
  'secret',
  'secretKey',
  'secret_key',
  'apiKey',
  'api_key',
  'storeKey',
  'store_key',
  'masterKey',
  'otp',
  'totp',
];

/**
 * Structured logs that never carry a card number, a CVV, a password, a secret key or an
 * Authorization header: known keys are redacted by path, and any PAN-like digits left are masked.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const paths = [
    'req.headers.authorization',
    'req.headers.cookie',
    'req.headers["x-api-key"]',
    'res.headers["set-cookie"]',
    ...SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]),
  ];
  return pino(
    {
      level,
      redact: { paths, censor: '[redacted]' },
      serializers: { req: requestForLog },
      formatters: { log: (object) => scrub(object, 0) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          method.apply(
            this,
            args.map((arg) => (typeof arg === 'string' ? maskPans(arg) : arg)) as Parameters<typeof method>,
          );
        },
      },
    },
    destination,
  );
}
