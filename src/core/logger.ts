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

const LOG_METHODS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
type LogMethod = (typeof LOG_METHODS)[number];

/**
 * A request's logger that becomes pino's child only when something is logged at a level in force.
 * Fastify makes a child logger for every request, and pino runs the redaction over a child's
 * bindings: about 9 KB of garbage and 1% of the server's CPU a request (docs/performance.md), for a
 * logger that most requests never write to when the level is above info. What it writes is the
 * child's own, bindings included. Its six level methods are put on its prototype below.
 */
class LazyChildLogger {
  #child: Logger | undefined;

  constructor(
    private readonly parent: Logger,
    private readonly bindings: pino.Bindings,
  ) {}

  write(method: LogMethod, args: unknown[]) {
    if (this.#child || this.parent.isLevelEnabled(method))
      (this.#real()[method] as (...args: unknown[]) => void)(...args);
  }

  #real(): Logger {
    this.#child ??= this.parent.child(this.bindings);
    return this.#child;
  }

  get level(): string {
    return this.#child?.level ?? this.parent.level;
  }

  set level(level: string) {
    this.#real().level = level;
  }

  silent() {}

  child(bindings: pino.Bindings, options?: pino.ChildLoggerOptions): Logger {
    return this.#real().child(bindings, options);
  }
}

for (const method of LOG_METHODS) {
  Object.defineProperty(LazyChildLogger.prototype, method, {
    value(this: LazyChildLogger, ...args: unknown[]) {
      this.write(method, args);
    },
  });
}

/**
 * Fastify's `childLoggerFactory`: a LazyChildLogger, or pino's child at once when the route sets a
 * level of its own (the parent's level would not say what is in force).
 */
export function lazyRequestLogger(parent: Logger, bindings: pino.Bindings, options: pino.ChildLoggerOptions) {
  return options.level === undefined
    ? (new LazyChildLogger(parent, bindings) as LazyChildLogger &
        Record<LogMethod, (...args: unknown[]) => void>)
    : parent.child(bindings, options);
}
