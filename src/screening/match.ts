import type { NameToken, NormalizedName, TokenForm } from './normalize.js';

/** Below this a hit is not returned. Tuned on src/screening/evaluation/pairs.json. */
export const MATCH_THRESHOLD = 0.8;
/** Below this two tokens are not the same name part. */
const TOKEN_THRESHOLD = 0.85;

let matchedAll = new Uint8Array(64);

/** Jaro-Winkler similarity, 0 to 1. */
export function jaroWinkler(a: string, b: string): number {
  if (a === b) return 1;
  const la = a.length;
  const lb = b.length;
  if (la === 0 || lb === 0) return 0;
  const window = Math.max(0, Math.floor(Math.max(la, lb) / 2) - 1);
  if (matchedAll.length < la + lb) matchedAll = new Uint8Array(2 * (la + lb));
  const matchedA = matchedAll.subarray(0, la).fill(0);
  const matchedB = matchedAll.subarray(la, la + lb).fill(0);
  let matches = 0;
  for (let i = 0; i < la; i++) {
    const from = Math.max(0, i - window);
    const to = Math.min(lb - 1, i + window);
    for (let j = from; j <= to; j++) {
      if (matchedB[j] || a[i] !== b[j]) continue;
      matchedA[i] = 1;
      matchedB[j] = 1;
      matches++;
      break;
    }
  }
  if (matches === 0) return 0;
  let transpositions = 0;
  for (let i = 0, j = 0; i < la; i++) {
    if (!matchedA[i]) continue;
    while (!matchedB[j]) j++;
    if (a[i] !== b[j]) transpositions++;
    j++;
  }
  const jaro = (matches / la + matches / lb + (matches - transpositions / 2) / matches) / 3;
  let prefix = 0;
  while (prefix < Math.min(4, la, lb) && a[prefix] === b[prefix]) prefix++;
  return jaro + prefix * 0.1 * (1 - jaro);
}

/** How two tokens matched, for the explanation. */
export type MatchKind =
  | 'equal'
  | 'variant'
  | 'transliterated'
  | 'sounds alike'
  | 'similar'
  | 'initial'
  | 'different';

export interface TokenMatch {
  similarity: number;
  how: MatchKind;
}

const DIFFERENT: TokenMatch = { similarity: 0, how: 'different' };

function formSimilarity(a: NameToken, fa: TokenForm, b: NameToken, fb: TokenForm): TokenMatch {
  const crossScript = a.fromArabic !== b.fromArabic;
  if (fa.text === fb.text) {
    if (crossScript) return { similarity: 1, how: 'transliterated' };
    return { similarity: 1, how: a.original === b.original ? 'equal' : 'variant' };
  }
  // Two different names from the dictionary: Hassan is not Hussein, however alike they look.
  if (fa.known && fb.known) return DIFFERENT;
  if (crossScript) {
    // Transliterated Arabic has no short vowels, so across scripts only the skeleton is meaningful.
    if (fa.skeleton === fb.skeleton && fa.skeleton.length >= 2)
      return { similarity: 0.93, how: 'transliterated' };
    return { similarity: 0.9 * closeness(fa.skeleton, fb.skeleton), how: 'transliterated' };
  }
  // Same script: the spellings themselves, vowels included (Filali is not Fellah); one skeleton of
  // three consonants or more with close enough spellings is one name transliterated twice (Qadhafi, Gaddafi).
  const similarity = closeness(fa.spelling, fb.spelling);
  if (similarity < 0.88 && similarity >= 0.75 && fa.skeleton === fb.skeleton && fa.skeleton.length >= 3) {
    return { similarity: 0.88, how: 'sounds alike' };
  }
  return { similarity, how: 'similar' };
}

/**
 * Edit distance where vowels cost less than consonants: Latin spellings of one name disagree on vowels
 * all the time (Guerrouj, Gerrouj), rarely on consonants, and a vowel for a consonant is a different name
 * (Alaoui, Alami).
 */
export function editDistance(a: string, b: string): number {
  if (b.length + 1 > previousRow.length) {
    previousRow = new Float64Array(b.length + 1);
    currentRow = new Float64Array(b.length + 1);
  }
  let previous = previousRow;
  let current = currentRow;
  previous[0] = 0;
  for (let j = 1; j <= b.length; j++) previous[j] = previous[j - 1]! + indelCost(b.charCodeAt(j - 1));
  for (let i = 1; i <= a.length; i++) {
    const x = a.charCodeAt(i - 1);
    const deletion = indelCost(x);
    current[0] = previous[0]! + deletion;
    for (let j = 1; j <= b.length; j++) {
      const y = b.charCodeAt(j - 1);
      current[j] = Math.min(
        previous[j]! + deletion,
        current[j - 1]! + indelCost(y),
        previous[j - 1]! + substitutionCost(x, y),
      );
    }
    [previous, current] = [current, previous];
  }
  return previous[b.length]!;
}

// Rows reused from call to call: a search computes thousands of distances.
let previousRow = new Float64Array(32);
let currentRow = new Float64Array(32);
const VOWEL_CODES = new Set([97, 101, 105, 111, 117]);
const indelCost = (c: number) => (VOWEL_CODES.has(c) ? 0.5 : 1);
function substitutionCost(x: number, y: number): number {
  if (x === y) return 0;
  const vowels = Number(VOWEL_CODES.has(x)) + Number(VOWEL_CODES.has(y));
  return vowels === 2 ? 0.5 : vowels === 1 ? 1.5 : 1;
}

/**
 * Jaro-Winkler alone forgives too much at the end of a name (Alaoui ~ Alami 0.91); averaged with the
 * edit distance, a one-letter slip still scores high and a different suffix does not.
 */
function closeness(a: string, b: string): number {
  const longest = Math.max(a.length, b.length);
  if (longest === 0) return 0;
  // Cheap bound first: half the score is 1 - distance/longest, and the distance is at least half the
  // length difference, so very different lengths cannot reach a token match.
  if (Math.abs(a.length - b.length) / longest > 0.5) return 0;
  return 0.5 * jaroWinkler(a, b) + 0.5 * Math.max(0, 1 - editDistance(a, b) / longest);
}

/** How alike two name tokens are, and in what way. */
export function tokenSimilarity(a: NameToken, b: NameToken): TokenMatch {
  if (a.initial || b.initial) {
    if (a.initial && b.initial) return a.text === b.text ? { similarity: 1, how: 'initial' } : DIFFERENT;
    const full = a.initial ? b : a;
    const letter = (a.initial ? a : b).text;
    const starts =
      full.original[0] === letter ||
      full.skeleton[0]?.toLowerCase() === letter ||
      full.forms.some((f) => f.text[0] === letter);
    return starts ? { similarity: 0.85, how: 'initial' } : DIFFERENT;
  }
  let best = DIFFERENT;
  for (const fa of a.forms) {
    for (const fb of b.forms) {
      const m = formSimilarity(a, fa, b, fb);
      if (m.similarity > best.similarity) best = m;
    }
  }
  return best;
}

/**
 * Token comparisons already made for one query, per query token: list names share their token objects
 * (given names, frequent surnames), so a search compares each distinct token once.
 */
export type TokenMemo = Map<NameToken, TokenMatch>[];

export function tokenMemo(query: NormalizedName): TokenMemo {
  return query.tokens.map(() => new Map());
}

export interface NameMatch {
  score: number;
  explanation: string[];
}

function describe(m: TokenMatch): string {
  if (m.how === 'similar' || (m.how === 'transliterated' && m.similarity < 0.93))
    return `${m.how === 'similar' ? 'similar spelling' : 'transliterated, similar'} ${m.similarity.toFixed(2)}`;
  return m.how === 'variant' ? 'spelling variant' : m.how;
}

/**
 * Order-free comparison of two names: each query token is paired with at most one candidate token
 * (best pairs first), and the score weighs what was paired against what was not, on both sides.
 * The explanation is written only when asked for (a search scores thousands of names, explains ten).
 */
export function compareNames(
  query: NormalizedName,
  candidate: NormalizedName,
  explain = true,
  memo?: TokenMemo,
): NameMatch {
  const q = query.tokens;
  const c = candidate.tokens;
  if (q.length === 0 || c.length === 0) return { score: 0, explanation: [] };
  const pairs: { i: number; j: number; m: TokenMatch }[] = [];
  for (let i = 0; i < q.length; i++) {
    const seen = memo?.[i];
    for (let j = 0; j < c.length; j++) {
      const token = c[j]!;
      let m = seen?.get(token);
      if (!m) {
        m = tokenSimilarity(q[i]!, token);
        seen?.set(token, m);
      }
      if (m.similarity >= TOKEN_THRESHOLD) pairs.push({ i, j, m });
    }
  }
  if (pairs.length === 0) return { score: 0, explanation: [] };
  // Ties are broken the same way whichever name is the query, so that a score is symmetric.
  const tieKey = ({ i, j }: { i: number; j: number }) =>
    [`${q[i]!.weight}:${q[i]!.text}`, `${c[j]!.weight}:${c[j]!.text}`].sort().join('\u0000');
  pairs.sort(
    (x, y) =>
      y.m.similarity - x.m.similarity ||
      q[y.i]!.weight + c[y.j]!.weight - (q[x.i]!.weight + c[x.j]!.weight) ||
      (tieKey(x) < tieKey(y) ? -1 : tieKey(x) > tieKey(y) ? 1 : 0),
  );
  let usedQ = 0;
  let usedC = 0;
  const explanation: string[] = [];
  let matched = 0;
  let matchedQ = 0;
  let matchedC = 0;
  for (const { i, j, m } of pairs) {
    if (usedQ & (1 << i) || usedC & (1 << j)) continue;
    usedQ |= 1 << i;
    usedC |= 1 << j;
    const wq = q[i]!.weight;
    const wc = c[j]!.weight;
    matched += m.similarity * (wq + wc);
    matchedQ += m.similarity * wq;
    matchedC += m.similarity * wc;
    if (explain) explanation.push(`${q[i]!.original} ~ ${c[j]!.original} (${describe(m)})`);
  }
  let weightQ = 0;
  for (const t of q) weightQ += t.weight;
  let weightC = 0;
  for (const t of c) weightC += t.weight;
  let score = matched / (weightQ + weightC);
  // A short name fully found inside a longer one (a patronymic chain, a second surname) still counts,
  // when what was found is more than common given names.
  // When both names weigh the same, either may be the short one: both are tried, for symmetry.
  if (weightQ <= weightC) score = Math.max(score, foundInside(q, weightQ, matchedQ, usedQ));
  if (weightC <= weightQ) score = Math.max(score, foundInside(c, weightC, matchedC, usedC));
  if (explain) {
    const unmatchedQuery = q.filter((_, i) => !(usedQ & (1 << i))).map((t) => t.original);
    const unmatched = c.filter((_, j) => !(usedC & (1 << j))).map((t) => t.original);
    if (unmatchedQuery.length > 0) explanation.push(`not found in the entry: ${unmatchedQuery.join(' ')}`);
    if (unmatched.length > 0) explanation.push(`not in the query: ${unmatched.join(' ')}`);
  }
  return { score: Math.min(1, score), explanation };
}

/** The score of a short name all of whose tokens were found in the other, or 0 when that is not so. */
function foundInside(tokens: NameToken[], weight: number, matchedWeight: number, used: number): number {
  let distinctive = 0;
  let paired = 0;
  tokens.forEach((t, k) => {
    if (!(used & (1 << k))) return;
    paired++;
    if (t.weight >= 1 && !t.initial) distinctive++;
  });
  return paired >= 2 && distinctive >= 1 && paired === tokens.length ? (matchedWeight / weight) * 0.86 : 0;
}

export interface Attributes {
  birthDates: string[];
  nationalities: string[];
}

/**
 * Birth date and nationality move a name score: an equal date raises it, a different year lowers it
 * a lot (a different person most likely); an unknown on either side leaves it alone.
 */
export function adjustForAttributes(
  nameScore: number,
  query: { birthDate?: string | null; nationality?: string | null },
  entry: Attributes,
): { score: number; explanation: string[] } {
  let score = nameScore;
  const explanation: string[] = [];
  if (query.birthDate && entry.birthDates.length > 0) {
    const year = query.birthDate.slice(0, 4);
    if (entry.birthDates.includes(query.birthDate)) {
      score += 0.08;
      explanation.push(`birth date equal (${query.birthDate})`);
    } else if (entry.birthDates.some((d) => d.slice(0, 4) === year)) {
      score += 0.04;
      explanation.push(`birth year equal (${year})`);
    } else if (entry.birthDates.some((d) => Math.abs(Number(d.slice(0, 4)) - Number(year)) <= 1)) {
      explanation.push(`birth year within one year (${entry.birthDates.join(', ')})`);
    } else {
      score -= 0.25;
      explanation.push(`birth date differs (entry: ${entry.birthDates.join(', ')})`);
    }
  }
  if (query.nationality && entry.nationalities.length > 0) {
    const wanted = query.nationality.toUpperCase();
    if (entry.nationalities.includes(wanted)) {
      score += 0.03;
      explanation.push(`nationality equal (${wanted})`);
    } else {
      score -= 0.06;
      explanation.push(`nationality differs (entry: ${entry.nationalities.join(', ')})`);
    }
  }
  return { score: Math.max(0, Math.min(1, score)), explanation };
}
