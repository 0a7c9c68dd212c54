/** Whose site the authority watches: a merchant's shop, a biller's or another public service's. */
export const SITE_OWNER_KINDS = ['merchant', 'biller', 'government'] as const;
export type SiteOwnerKind = (typeof SITE_OWNER_KINDS)[number];

/**
 * A site's state after its latest check, worst first: it does not answer (down), its content is not
 * what the authority last accepted (defaced), its TLS would warn or fail a visitor (at_risk), or it is
 * fine (up). `unknown` until its first check.
 */
export const SITE_STATUSES = ['down', 'defaced', 'at_risk', 'up', 'unknown'] as const;
export type SiteStatus = (typeof SITE_STATUSES)[number];
/** The states an incident stands for. */
export type IncidentKind = Exclude<SiteStatus, 'up' | 'unknown'>;

/** What a check found, each with the status it brings the site to (missing headers bring none). */
export const FINDING_KINDS = [
  'unreachable',
  'http_error',
  'content_changed',
  'defacement_marker',
  'tls_invalid',
  'tls_expiring',
  'no_tls',
  'missing_header',
] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

export interface Finding {
  kind: FindingKind;
  /** What was seen, in English, for the log, the API and the console's detail. */
  detail: string;
}

/** The security headers every site is checked for. HSTS only counts over HTTPS. */
export const SECURITY_HEADERS = [
  'strict-transport-security',
  'content-security-policy',
  'x-content-type-options',
  'x-frame-options',
  'referrer-policy',
] as const;
export type SecurityHeader = (typeof SECURITY_HEADERS)[number];

export interface TlsReport {
  /** Whether the certificate chains to a trusted authority, names the host and is in date. */
  authorized: boolean;
  /** Why not, as OpenSSL names it (CERT_HAS_EXPIRED, DEPTH_ZERO_SELF_SIGNED_CERT, …). */
  error: string | null;
  validTo: Date | null;
  issuer: string | null;
  protocol: string | null;
}

export interface WatchedSite {
  id: string;
  url: string;
  label: string;
  ownerKind: SiteOwnerKind;
  /** The merchant's or biller's id when the site is theirs. */
  ownerId: string | null;
  /** Paused sites are not checked. */
  enabled: boolean;
  everyMinutes: number;
  status: SiteStatus;
  /** The latest check's findings. */
  findings: Finding[];
  lastCheckedAt: Date | null;
  nextCheckAt: Date;
  /** When the content that later checks are compared with was taken (null until the first answer). */
  baselineAt: Date | null;
  createdAt: Date;
}

export interface SiteCheck {
  id: string;
  siteId: string;
  checkedAt: Date;
  status: Exclude<SiteStatus, 'unknown'>;
  /** The last answer's status code, after redirects; null when none came. */
  httpStatus: number | null;
  /** From sending the request to the end of the answer's body (redirects included). */
  responseMs: number | null;
  /** The URL that answered, after redirects. */
  finalUrl: string | null;
  tls: TlsReport | null;
  missingHeaders: SecurityHeader[];
  /** How much of the accepted content's wording the page still has, 0–1; null without a baseline. */
  similarity: number | null;
  findings: Finding[];
}

export interface Incident {
  id: string;
  siteId: string;
  kind: IncidentKind;
  openedAt: Date;
  closedAt: Date | null;
  /** The findings that opened it. */
  findings: Finding[];
}
