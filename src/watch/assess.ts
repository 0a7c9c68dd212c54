import type { Finding, SecurityHeader, SiteCheck, SiteStatus } from './model.js';
import { SECURITY_HEADERS } from './model.js';
import type { Probe } from './probe.js';

/** A certificate this close to its end is a finding: renewals that fail are seen before visitors see them. */
export const TLS_WARNING_DAYS = 14;
/**
 * Below this share of the accepted page's wording the page is taken as replaced. A news item or a
 * price changes a few per cent of a page's three-word runs; a defacement replaces nearly all of them.
 */
export const MIN_SIMILARITY = 0.5;
/**
 * What defacers write on the pages they take, in the languages seen on Moroccan sites. Phrases, and
 * their spellings (h4ck3d, pwn3d), not plain words: "hacked" or "owned by" alone are in news pages and
 * company pages too, and would show them as defaced until the authority accepted them.
 */
const DEFACEMENT_MARKERS = [
  /\bhacked\s+by\b/i,
  /\bdefaced\s+by\b/i,
  /\b[pP0][wW]n[e3]d\s+by\b/i,
  /\bh(?:4ck[e3]|ack3)d\b/i,
  /\bpiraté\s+par\b/i,
  /تم\s+(?:ال)?اختراق/,
];
/** The normalised text kept of a page, at most: the fingerprint needs no more. */
const MAX_TEXT = 100_000;

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** What a visitor reads on a page: its text without markup, scripts or styles, in lower case. */
export function pageText(html: string): string {
  return html
    .replace(/<(script|style|noscript|template)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(#x?[0-9a-f]+|[a-z]+);/gi, (whole, name: string) => {
      if (name[0] !== '#') return ENTITIES[name.toLowerCase()] ?? whole;
      const code =
        name[1] === 'x' || name[1] === 'X' ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    })
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, MAX_TEXT);
}

/** The page's runs of three words (single words for a page shorter than that). */
function shingles(text: string): Set<string> {
  const words = text.split(' ').filter(Boolean);
  if (words.length < 3) return new Set(words);
  const runs = new Set<string>();
  for (let i = 0; i + 3 <= words.length; i++) runs.add(`${words[i]} ${words[i + 1]} ${words[i + 2]}`);
  return runs;
}

/** Jaccard similarity of the two texts' three-word runs: 1 for the same wording, 0 for none shared. */
export function similarity(a: string, b: string): number {
  if (a === b) return 1;
  const left = shingles(a);
  const right = shingles(b);
  if (left.size === 0 || right.size === 0) return 0;
  let shared = 0;
  for (const run of left) if (right.has(run)) shared++;
  return shared / (left.size + right.size - shared);
}

function markersIn(text: string): RegExp[] {
  return DEFACEMENT_MARKERS.filter((marker) => marker.test(text));
}

function missingHeaders(headers: Record<string, string>, secure: boolean): SecurityHeader[] {
  const policy = headers['content-security-policy'] ?? '';
  return SECURITY_HEADERS.filter((name) => {
    if (name === 'strict-transport-security') return secure && !headers[name];
    // frame-ancestors in the policy does what X-Frame-Options does.
    if (name === 'x-frame-options') return !headers[name] && !/frame-ancestors/i.test(policy);
    if (name === 'x-content-type-options') return !/nosniff/i.test(headers[name] ?? '');
    return !headers[name];
  });
}

/** The status each finding brings a site to, worst first; missing headers bring none. */
const STATUS_OF: Partial<Record<Finding['kind'], Exclude<SiteStatus, 'unknown' | 'up'>>> = {
  unreachable: 'down',
  http_error: 'down',
  content_changed: 'defaced',
  defacement_marker: 'defaced',
  tls_invalid: 'at_risk',
  tls_expiring: 'at_risk',
  no_tls: 'at_risk',
};
const SEVERITY: Record<SiteStatus, number> = { down: 0, defaced: 1, at_risk: 2, up: 3, unknown: 4 };

export function statusOf(findings: readonly Finding[]): Exclude<SiteStatus, 'unknown'> {
  let status: Exclude<SiteStatus, 'unknown'> = 'up';
  for (const finding of findings) {
    const brought = STATUS_OF[finding.kind];
    if (brought && SEVERITY[brought] < SEVERITY[status]) status = brought;
  }
  return status;
}

export type Assessment = Pick<SiteCheck, 'status' | 'findings' | 'missingHeaders' | 'similarity'> & {
  /** The page's text when it answered with a page (the next baseline, if accepted). */
  text: string | null;
};

/** What a visit says about the site, compared with the content the authority accepted (if any). */
export function assess(probe: Probe, acceptedText: string | null, now: Date): Assessment {
  const findings: Finding[] = [];
  if (probe.tls && !probe.tls.authorized)
    findings.push({
      kind: 'tls_invalid',
      detail: `certificate refused: ${probe.tls.error ?? 'unknown reason'}`,
    });
  else if (probe.tls?.validTo) {
    const daysLeft = Math.floor((probe.tls.validTo.getTime() - now.getTime()) / 86_400_000);
    if (daysLeft < TLS_WARNING_DAYS)
      findings.push({ kind: 'tls_expiring', detail: `certificate expires in ${daysLeft} days` });
  }
  if (!probe.answered) {
    findings.unshift({ kind: 'unreachable', detail: probe.error });
    return { status: statusOf(findings), findings, missingHeaders: [], similarity: null, text: null };
  }

  const secure = probe.finalUrl.startsWith('https:');
  if (!secure)
    findings.push({ kind: 'no_tls', detail: `the page is served over plain HTTP (${probe.finalUrl})` });
  if (probe.status >= 400) {
    findings.unshift({ kind: 'http_error', detail: `the page answered ${probe.status}` });
    return { status: statusOf(findings), findings, missingHeaders: [], similarity: null, text: null };
  }

  const text = pageText(probe.body);
  let likeness: number | null = null;
  if (acceptedText !== null) {
    likeness = similarity(acceptedText, text);
    if (likeness < MIN_SIMILARITY)
      findings.push({
        kind: 'content_changed',
        detail: `the page keeps ${Math.round(likeness * 100)}% of the accepted content's wording`,
      });
    const known = new Set(markersIn(acceptedText));
    const marker = markersIn(text).find((found) => !known.has(found));
    if (marker)
      findings.push({ kind: 'defacement_marker', detail: `the page now reads "${text.match(marker)?.[0]}"` });
  }
  const missing = missingHeaders(probe.headers, secure);
  for (const name of missing) findings.push({ kind: 'missing_header', detail: name });
  return {
    status: statusOf(findings),
    findings,
    missingHeaders: missing,
    similarity: likeness === null ? null : Math.round(likeness * 1000) / 1000,
    text,
  };
}
