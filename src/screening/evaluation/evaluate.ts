import { readFileSync } from 'node:fs';
import { adjustForAttributes, compareNames, MATCH_THRESHOLD } from '../match.js';
import { normalizeName } from '../normalize.js';

/**
 * The labelled evaluation set: name pairs that must match (across scripts, spellings, particles,
 * patronymics, token order, initials, aliases) and near-misses that must not. A side may carry a birth
 * date and a nationality as "name|YYYY-MM-DD|CC"; `a` plays the query, `b` the list entry.
 */
export interface LabelledPair {
  a: string;
  b: string;
  match: boolean;
  kind: string;
  note?: string;
}

export function loadPairs(): LabelledPair[] {
  return JSON.parse(readFileSync(new URL('./pairs.json', import.meta.url), 'utf8')) as LabelledPair[];
}

function side(text: string) {
  const [name = '', birthDate = '', nationality = ''] = text.split('|');
  return { name, birthDate: birthDate || null, nationality: nationality || null };
}

/** The score the matcher gives a pair, as a search would (name, then birth date and nationality). */
export function scorePair(pair: LabelledPair): { score: number; explanation: string[] } {
  const query = side(pair.a);
  const entry = side(pair.b);
  const names = compareNames(normalizeName(query.name), normalizeName(entry.name));
  const adjusted = adjustForAttributes(names.score, query, {
    birthDates: entry.birthDate ? [entry.birthDate] : [],
    nationalities: entry.nationality ? [entry.nationality] : [],
  });
  return { score: adjusted.score, explanation: [...names.explanation, ...adjusted.explanation] };
}

export interface Evaluation {
  pairs: number;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  precision: number;
  recall: number;
  mistakes: (LabelledPair & { score: number })[];
}

export function evaluate(pairs: LabelledPair[] = loadPairs(), threshold = MATCH_THRESHOLD): Evaluation {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  const mistakes: Evaluation['mistakes'] = [];
  for (const pair of pairs) {
    const { score } = scorePair(pair);
    const predicted = score >= threshold;
    if (predicted && pair.match) tp++;
    else if (predicted && !pair.match) fp++;
    else if (!predicted && pair.match) fn++;
    if (predicted !== pair.match) mistakes.push({ ...pair, score });
  }
  return {
    pairs: pairs.length,
    truePositives: tp,
    falsePositives: fp,
    falseNegatives: fn,
    precision: tp + fp === 0 ? 1 : tp / (tp + fp),
    recall: tp + fn === 0 ? 1 : tp / (tp + fn),
    mistakes,
  };
}
