import { isIP } from 'node:net';
import { resolve } from 'node:path';

/** A bad setting: reported as one line naming the setting, never as a stack trace. */
export class ConfigError extends Error {
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(`${setting} ${message}`);
    this.name = 'ConfigError';
  }
}

interface Setting<T> {
  env: string;
  description: string;
  /** What the README shows as the default. */
  shownDefault: string;
  /** The default; it may read the settings defined above it, already chosen. */
  fallback: (earlier: Readonly<Record<string, unknown>>) => T;
  parse: (raw: string) => T;
}

function setting<T>(spec: Setting<T>): Setting<T> {
  return spec;
}

function integerIn(min: number, max: number) {
  return (raw: string): number => {
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      throw new Error(`must be a whole number from ${min} to ${max}`);
    }
    return value;
  };
}

function boolean(raw: string): boolean {
  const text = raw.toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(text)) return true;
  if (['0', 'false', 'no', 'off'].includes(text)) return false;
  throw new Error('must be true or false');
}

/** 32 bytes written as base64 or hex. */
export function isKey32(text: string): boolean {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return true;
  return /^[A-Za-z0-9+/]{43}=$/.test(trimmed) && Buffer.from(trimmed, 'base64').length === 32;
}

export function decodeKey32(text: string): Buffer {
  const trimmed = text.trim();
  return /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
}

/** `raw` parsed as a URL, or an error saying what was expected (never the URL: it may hold a password). */
function urlOf(raw: string, expected: string): URL {
  try {
    return new URL(raw);
  } catch {
    throw new Error(expected);
  }
}

/** A comma-separated list, blanks dropped. */
const listOf = (raw: string) =>
  raw
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Every setting Tijara reads; the README's configuration table lists the same names. */
export const settings = {
  port: setting({
    env: 'PORT',
    description: 'TCP port the HTTP server listens on',
    shownDefault: '3000',
    fallback: () => 3000,
    parse: integerIn(0, 65535),
  }),
  host: setting({
    env: 'HOST',
    description: 'Address the HTTP server binds (use 0.0.0.0 in a container)',
    shownDefault: '127.0.0.1',
    fallback: () => '127.0.0.1',
    parse: (raw) => {
      if (!/^[\w.:-]+$/.test(raw)) throw new Error('must be a host name or an IP address');
      return raw;
    },
  }),
  databaseUrl: setting<string | undefined>({
    env: 'DATABASE_URL',
    description: 'PostgreSQL connection URL; when unset, the embedded PGlite database is used',
    shownDefault: '(unset: embedded PGlite)',
    fallback: () => undefined,
    parse: (raw) => {
      const url = urlOf(raw, 'must be a URL like postgres://user@host:5432/database');
      if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
        throw new Error('must start with postgres:// or postgresql://');
      }
      return raw;
    },
  }),
  dataDir: setting({
    env: 'TIJARA_DATA_DIR',
    description:
      'Folder of the embedded PGlite database (ignored with DATABASE_URL); "memory" keeps it in memory',
    shownDefault: './.tijara/data',
    fallback: () => resolve('.tijara/data'),
    parse: (raw) => {
      if (raw.trim() === '') throw new Error('must not be empty');
      return raw === 'memory' ? raw : resolve(raw);
    },
  }),
  logLevel: setting<LogLevel>({
    env: 'LOG_LEVEL',
    description: `Log level: ${LOG_LEVELS.join(', ')}`,
    shownDefault: 'info',
    fallback: () => 'info',
    parse: (raw) => {
      if (!(LOG_LEVELS as readonly string[]).includes(raw))
        throw new Error(`must be one of ${LOG_LEVELS.join(', ')}`);
      return raw as LogLevel;
    },
  }),
  workers: setting({
    env: 'TIJARA_WORKERS',
    description: 'Run the background workers (outbox delivery, …) inside the server process',
    shownDefault: 'true',
    fallback: () => true,
    parse: boolean,
  }),
  groupCommit: setting({
    env: 'TIJARA_GROUP_COMMIT',
    description:
      'Concurrent payment API calls share one database transaction and its commit (see docs/performance.md)',
    shownDefault: 'true',
    fallback: () => true,
    parse: boolean,
  }),
  // The demo's conveniences are for the embedded database, `npm start`'s: a PostgreSQL deployment
  // is where real money runs, and there demo accounts with published passwords, demo merchants with
  // published keys and pages showing 3-D Secure codes and every mail kept (password-reset links
  // included) must be asked for, never left on by a forgotten flag. As the master key: PostgreSQL
  // installs must be given one. (Both read databaseUrl, defined above them.)
  seed: setting({
    env: 'TIJARA_SEED',
    description: '`tijara start` loads the demo data into an empty database',
    shownDefault: 'true on PGlite, false on PostgreSQL',
    fallback: (earlier) => earlier.databaseUrl === undefined,
    parse: boolean,
  }),
  publicUrl: setting<string | undefined>({
    env: 'TIJARA_PUBLIC_URL',
    description: 'The address people reach Tijara at, used in printed and emailed links',
    shownDefault: 'http://HOST:PORT',
    fallback: () => undefined,
    parse: (raw) => {
      if (!/^https?:\/\/[^\s]+$/.test(raw)) throw new Error('must be an http:// or https:// URL');
      return raw.replace(/\/+$/, '');
    },
  }),
  smtpUrl: setting<string | undefined>({
    env: 'TIJARA_SMTP_URL',
    description:
      "The mail server that sends Tijara's mails (`smtp://user:password@host:587`, `smtps://…:465`). Unset: mails are kept in memory and shown at /demo/mail, and nobody receives them",
    shownDefault: '(unset)',
    fallback: () => undefined,
    parse: (raw) => {
      const url = urlOf(raw, 'must be an smtp:// or smtps:// URL');
      if (!['smtp:', 'smtps:'].includes(url.protocol) || !url.hostname)
        throw new Error('must be an smtp:// or smtps:// URL');
      return raw;
    },
  }),
  mailFrom: setting({
    env: 'TIJARA_MAIL_FROM',
    description: "The sender of Tijara's mails",
    shownDefault: 'Tijara <no-reply@tijara.example.ma>',
    fallback: () => 'Tijara <no-reply@tijara.example.ma>',
    parse: (raw) => {
      const address = /<([^<>\s]+@[^<>\s]+)>\s*$/.exec(raw)?.[1] ?? raw.trim();
      if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(address))
        throw new Error('must be an e-mail address, or a name and an address in <>');
      return raw.trim();
    },
  }),
  masterKey: setting<string | undefined>({
    env: 'TIJARA_MASTER_KEY',
    description:
      'The vault master key: 32 random bytes as base64 or hex (`openssl rand -base64 32`). Wraps the data keys that encrypt card numbers',
    shownDefault: '(unset: key file)',
    fallback: () => undefined,
    parse: (raw) => {
      if (!isKey32(raw)) throw new Error('must be 32 bytes as base64 (44 characters) or hex (64 characters)');
      return raw;
    },
  }),
  masterKeyFile: setting<string | undefined>({
    env: 'TIJARA_MASTER_KEY_FILE',
    description:
      'A file holding the master key (base64 or hex). With neither key nor file, PGlite installations create `.tijara/master.key` on first start',
    shownDefault: '(unset)',
    fallback: () => undefined,
    parse: (raw) => resolve(raw),
  }),
  previousMasterKey: setting<string | undefined>({
    env: 'TIJARA_PREVIOUS_MASTER_KEY',
    description:
      'The master key being rotated away from: still read until `tijara keys rotate` has re-wrapped every data key',
    shownDefault: '(unset)',
    fallback: () => undefined,
    parse: (raw) => {
      if (!isKey32(raw)) throw new Error('must be 32 bytes as base64 (44 characters) or hex (64 characters)');
      return raw;
    },
  }),
  webhookRetryBaseMs: setting({
    env: 'TIJARA_WEBHOOK_RETRY_BASE_MS',
    description:
      'First webhook retry delay; each retry doubles it, up to 360 times it (21 attempts, about 3 days at the default)',
    shownDefault: '60000',
    fallback: () => 60_000,
    parse: integerIn(1, 3_600_000),
  }),
  captureWindowDays: setting({
    env: 'TIJARA_CAPTURE_WINDOW_DAYS',
    description:
      'Days an authorization of a manual-capture payment holds the funds: then the workers cancel it and release the hold',
    shownDefault: '7',
    fallback: () => 7,
    parse: integerIn(1, 30),
  }),
  privacyAnswerDays: setting({
    env: 'TIJARA_PRIVACY_ANSWER_DAYS',
    description:
      "Days a merchant has to answer a person's request to see, correct or object to their data (law 09-08)",
    shownDefault: '30',
    fallback: () => 30,
    parse: integerIn(1, 90),
  }),
  personalDataRetentionDays: setting<number | undefined>({
    env: 'TIJARA_PERSONAL_DATA_RETENTION_DAYS',
    description:
      "Days a payment keeps its customer's e-mail and a CMI order its buyer's fields (law 09-08: no longer than needed); the workers then erase them, from the payment's events too. Unset: kept",
    shownDefault: '(unset)',
    fallback: () => undefined,
    parse: integerIn(30, 3650),
  }),
  idempotencyHours: setting({
    env: 'TIJARA_IDEMPOTENCY_HOURS',
    description:
      'Hours an Idempotency-Key and its stored answer are kept: a retry within them gets the answer again; after, the key is new',
    shownDefault: '24',
    fallback: () => 24,
    parse: integerIn(1, 720),
  }),
  demo: setting({
    env: 'TIJARA_DEMO',
    description:
      'Serve the demo pages (/demo/shop, /demo/inbox, which shows 3-D Secure codes, and /demo/mail, which shows the mails kept)',
    shownDefault: 'true on PGlite, false on PostgreSQL',
    fallback: (earlier) => earlier.databaseUrl === undefined,
    parse: boolean,
  }),
  onboardingTimeoutMs: setting({
    env: 'TIJARA_ONBOARDING_TIMEOUT_MS',
    description:
      'Timeout of each network call of the vetting checks and the web-site watch (DNS, TCP, TLS, answer)',
    shownDefault: '3000',
    fallback: () => 3_000,
    parse: integerIn(1, 60_000),
  }),
  onboardingDns: setting<string[] | undefined>({
    env: 'TIJARA_ONBOARDING_DNS',
    description: 'DNS servers for the domain-control TXT lookup (`1.1.1.1,127.0.0.1:5353`)',
    shownDefault: "(unset: the system's)",
    fallback: () => undefined,
    parse: (raw) => {
      const servers = listOf(raw);
      // 1.1.1.1, 1.1.1.1:53, ::1 or [::1]:53
      const hostOf = (server: string) =>
        /^\[(.+)\](?::\d+)?$/.exec(server)?.[1] ?? (isIP(server) ? server : server.replace(/:\d+$/, ''));
      const bad = servers.find((server) => isIP(hostOf(server)) === 0);
      if (bad !== undefined || servers.length === 0)
        throw new Error('must be IP addresses, each with an optional :port, separated by commas');
      return servers;
    },
  }),
  onboardingCaFile: setting<string | undefined>({
    env: 'TIJARA_ONBOARDING_CA_FILE',
    description:
      "Extra certificate authorities (PEM) the vetting checks and the web-site watch trust, besides Node's bundled roots",
    shownDefault: '(unset)',
    fallback: () => undefined,
    parse: (raw) => resolve(raw),
  }),
  onboardingHosts: setting<Record<string, string> | undefined>({
    env: 'TIJARA_ONBOARDING_HOSTS',
    description:
      'Fixed addresses for some names (`shop.test=127.0.0.1,…`): the only way a vetting check or the web-site watch reaches a private address',
    shownDefault: '(unset)',
    fallback: () => undefined,
    parse: (raw) => {
      const pairs = listOf(raw).map((pair) => pair.split('='));
      if (pairs.some((p) => p.length !== 2 || !p[0] || isIP(p[1] ?? '') === 0))
        throw new Error('must be name=address pairs separated by commas, each address an IP');
      return Object.fromEntries(pairs) as Record<string, string>;
    },
  }),
  onboardingHttpPort: setting({
    env: 'TIJARA_ONBOARDING_HTTP_PORT',
    description: 'Port of the vetting checks on http:// sites (and of watched URLs that name none)',
    shownDefault: '80',
    fallback: () => 80,
    parse: integerIn(1, 65535),
  }),
  onboardingHttpsPort: setting({
    env: 'TIJARA_ONBOARDING_HTTPS_PORT',
    description: 'Port of the vetting checks on https:// sites (and of watched URLs that name none)',
    shownDefault: '443',
    fallback: () => 443,
    parse: integerIn(1, 65535),
  }),
  shutdownTimeoutMs: setting({
    env: 'TIJARA_SHUTDOWN_TIMEOUT_MS',
    description: 'How long a stop waits for in-flight requests and workers before it closes anyway',
    shownDefault: '10000',
    fallback: () => 10_000,
    parse: integerIn(0, 600_000),
  }),
} as const;

export type SettingName = keyof typeof settings;
export type Config = { [K in SettingName]: ReturnType<(typeof settings)[K]['fallback']> };

/**
 * Reads every setting: a command-line value wins over the environment, which wins over the default.
 * Throws a ConfigError naming the first bad setting.
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<Record<SettingName, string | undefined>> = {},
): Config {
  const config: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(settings) as [SettingName, Setting<unknown>][]) {
    const fromFlag = overrides[name];
    const raw = fromFlag ?? env[spec.env];
    if (raw === undefined || (fromFlag === undefined && raw === '')) {
      config[name] = spec.fallback(config);
      continue;
    }
    try {
      config[name] = spec.parse(raw);
    } catch (error) {
      // Never echo a URL (it may hold a password) or a key.
      const secret = ['DATABASE_URL', 'TIJARA_SMTP_URL'].includes(spec.env) || spec.env.includes('KEY');
      const shown = secret ? '' : ` (got "${raw}")`;
      throw new ConfigError(spec.env, `${(error as Error).message}${shown}`);
    }
  }
  return config as Config;
}

/** The URL people should open, for printed links. */
export function publicUrl(config: Pick<Config, 'publicUrl' | 'host' | 'port'>, boundPort?: number): string {
  if (config.publicUrl) return config.publicUrl;
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${boundPort ?? config.port}`;
}
