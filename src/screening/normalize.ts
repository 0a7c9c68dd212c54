import { commonNames, nameVariants } from './variants.js';

/**
 * Names reduced to comparable tokens, whatever the script and spelling: Arabic is transliterated to
 * Latin, accents and case are folded, articles and patronymic particles set aside, known given names
 * mapped to one canonical spelling, and each token given a consonant skeleton (what survives when a
 * name crosses scripts: Arabic writes no short vowels, and Latin spellings of it disagree on them).
 */

/** One reading of a token: its spelling, the same with vowels folded, and its consonant skeleton. */
export interface TokenForm {
  text: string;
  /** e/i/y and o/u folded: what same-script spellings are compared on. */
  spelling: string;
  skeleton: string;
  /** A canonical name from the dictionary. */
  known: boolean;
}

export interface NameToken {
  /** As written (after case folding), for explanations. */
  original: string;
  /** Canonical Latin form: a known name's canonical spelling, else the normalized spelling. */
  text: string;
  /** Consonant skeleton of text, the blocking key. */
  skeleton: string;
  /** The token's readings: itself first, then without an attached el-/ben-/bou- prefix. */
  forms: TokenForm[];
  /** From the variant dictionary: two different known names never match. */
  known: boolean;
  fromArabic: boolean;
  /** A single letter, possibly with a dot ("M."). */
  initial: boolean;
  /** How much this token says about identity. */
  weight: number;
}

export interface NormalizedName {
  original: string;
  tokens: NameToken[];
  /** Articles and patronymic particles set aside (al, el, ben, bin, ibn, ould…). */
  particles: string[];
}

const ARABIC = /[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]/;
const ARABIC_MARKS = /[\u064b-\u065f\u0670\u06d6-\u06ed\u0640]/g; // harakat, dagger alif, tatweel

const ARABIC_LETTERS: Record<string, string> = {
  ا: 'a',
  أ: 'a',
  إ: 'i',
  آ: 'a',
  ٱ: 'a',
  ء: '',
  ؤ: 'u',
  ئ: 'i',
  ب: 'b',
  ت: 't',
  ث: 't',
  ج: 'j',
  ح: 'h',
  خ: 'X',
  د: 'd',
  ذ: 'd',
  ر: 'r',
  ز: 'z',
  س: 's',
  ش: 'S',
  ص: 's',
  ض: 'd',
  ط: 't',
  ظ: 'z',
  ع: '',
  غ: 'G',
  ف: 'f',
  ق: 'q',
  ك: 'k',
  ک: 'k',
  ل: 'l',
  م: 'm',
  ن: 'n',
  ه: 'h',
  ة: 'a',
  و: 'u',
  ي: 'i',
  ى: 'a',
  ی: 'i',
  پ: 'b',
  چ: 'S',
  ژ: 'j',
  گ: 'g',
  ڭ: 'g',
  ڤ: 'v',
};

/**
 * Letter-by-letter transliteration of one Arabic word; initial waw and ya are consonants. Sounds Latin
 * writes with two letters come out as one capital (S for sh, X for kh, G for gh), so a د then a ه is not
 * read as "dh".
 */
export function transliterateArabicWord(word: string): string {
  const letters = [...word.replace(ARABIC_MARKS, '')];
  let out = '';
  letters.forEach((letter, i) => {
    if (i === 0 && letter === 'و') out += 'w';
    else if (i === 0 && letter === 'ي') out += 'y';
    else out += ARABIC_LETTERS[letter] ?? '';
  });
  return out;
}

const LATIN_SPECIALS: Record<string, string> = {
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  ł: 'l',
  đ: 'd',
  ð: 'd',
  þ: 'th',
  ı: 'i',
};

/** Lower case, no accents, only a–z; apostrophes and the like join (M'hamed → mhamed). */
export function foldLatin(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[ßæœøłđðþı]/g, (c) => LATIN_SPECIALS[c] ?? c)
    .replace(/['’‘ʼʻʿʾ`´]/g, '');
}

const VOWELS = 'aeiouy';
const MAX_TOKENS = 30;

/** One Latin word as the dictionary and comparisons see it: French/English spellings brought together. */
export function normalizeLatinWord(word: string): string {
  let w = word
    .replace(/ou/g, 'u')
    .replace(/oo/g, 'u')
    .replace(/ee/g, 'i')
    .replace(/ph/g, 'f')
    .replace(/dj/g, 'j')
    .replace(/tch/g, 'ch')
    .replace(/e[iy]|ay/g, 'ai');
  // Moroccan French writes ghain as an initial "rh" (Rhazi = Ghazi).
  if (w.startsWith('rh')) w = `gh${w.slice(2)}`;
  // "Ualid" (Oualid) is Walid: an initial u before a vowel is the consonant w.
  if (w.length > 2 && w[0] === 'u' && VOWELS.includes(w[1]!)) w = `w${w.slice(1)}`;
  return w.replace(/(.)\1+/g, '$1');
}

/**
 * The consonant skeleton: sh/ch, kh, gh kept apart, q/k/c/g and the rest of the classes merged, vowels
 * and a final h dropped, repeats collapsed. "Mohamed", "Muhammad" and محمد all give "mhmd".
 */
export function skeletonOf(form: string, latin = true): string {
  let s = latin
    ? form
        .replace(/sh|ch/g, 'S')
        .replace(/kh/g, 'X')
        .replace(/gh/g, 'G')
        .replace(/th/g, 't')
        .replace(/dh/g, 'd')
    : form;
  s = s
    .replace(/c(?=[eiy])/g, 's')
    .replace(/[qcg]/g, 'k')
    .replace(/x/g, 'ks')
    .replace(/v/g, 'f')
    .replace(/p/g, 'b');
  s = s.replace(/h$/, '');
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    // An initial w or y is a consonant (Walid, Yusuf; وليد, يوسف).
    const initialSemivowel = i === 0 && (c === 'w' || c === 'y');
    if (!initialSemivowel && (VOWELS.includes(c) || c === 'w')) continue;
    out += c;
  }
  out = out.replace(/(.)\1+/g, '$1');
  return out.length > 0 ? out : s;
}

// The dictionary, keyed by normalized spelling (Latin) or by the bare Arabic word.
const canonicalOf = new Map<string, string>();
for (const [canonical, spellings] of Object.entries(nameVariants)) {
  for (const spelling of [canonical, ...spellings]) {
    canonicalOf.set(ARABIC.test(spelling) ? spelling : normalizeLatinWord(foldLatin(spelling)), canonical);
  }
  canonicalOf.set(canonical, canonical);
}

/** The canonical form of a known name part (normalized Latin or Arabic), if it is one. */
export function knownName(word: string): string | undefined {
  return canonicalOf.get(word);
}

const ARTICLES = new Set([
  'al',
  'el',
  'ul',
  'il',
  'ad',
  'ed',
  'ar',
  'er',
  'as',
  'es',
  'at',
  'et',
  'az',
  'ez',
  'an',
  'en',
  'ash',
  'ech',
  'esh',
]);
const PATRONYMICS = new Set(['ben', 'bin', 'ibn', 'bn', 'ould', 'uld', 'wuld', 'bint', 'bent', 'ait', 'ag']);
const ARABIC_PARTICLES: Record<string, string> = {
  بن: 'ben',
  ابن: 'ibn',
  بنت: 'bint',
  ولد: 'ould',
  ايت: 'ait',
  آيت: 'ait',
  أغ: 'ag',
  اغ: 'ag',
};
// "Abdel-", "Abdul-", "Abder-": abd followed by an article, assimilated or not.
const ABD_PREFIX = /^abd(?:al|el|ul|u|ou|ar|er|ur|as|es|us|ad|ed|an|en|az|ez|at|et|ech|esh)?(?=[a-z]{3})/;
// Nour-eddine, Nasr-allah: a name joined to "of the faith", "of God".
const DIN_SUFFIX = /^([a-z]{3,}?)[eua]d+ine?$/;
const ALLAH_SUFFIX = /^([a-z]{3,}?)[aue]llah$/;
// Written attached or apart: Benali / Ben Ali, Elfassi / El Fassi, Bouzid / Bou Zid.
const ATTACHED_PREFIX = /^(?:(?:al|el)(?=[a-z]{4})|(?:ben|bin|ibn|ait|uld|ould|abu|bu)(?=[a-z]{3}))/;

function isParticle(word: string): boolean {
  return ARTICLES.has(word) || PATRONYMICS.has(word);
}

const foldVowels = (text: string) => text.replace(/[ey]/g, 'i').replace(/o/g, 'u');

function formOf(text: string, known: boolean, latin: boolean): TokenForm {
  return { text, spelling: foldVowels(text), skeleton: skeletonOf(text, latin || known), known };
}

// Tokens are immutable, and names repeat their words a lot (given names, common surnames): a million
// names normalize about twice as fast with these caches. Cleared when large, so memory stays bounded.
const tokenCache = new Map<string, NameToken>();
const CACHE_LIMIT = 300_000;

function makeToken(original: string, form: string, fromArabic: boolean): NameToken {
  const key = `${fromArabic ? 'a' : 'l'}|${original}|${form}`;
  const cached = tokenCache.get(key);
  if (cached) return cached;
  if (tokenCache.size >= CACHE_LIMIT) tokenCache.clear();
  const token = buildToken(original, form, fromArabic);
  tokenCache.set(key, token);
  return token;
}

function buildToken(original: string, form: string, fromArabic: boolean): NameToken {
  const canonical = knownName(form) ?? (form in nameVariants ? form : undefined);
  const text = canonical ?? form;
  const main = formOf(text, canonical !== undefined, !fromArabic);
  const forms = [main];
  const prefix = canonical ? null : ATTACHED_PREFIX.exec(form);
  if (prefix) {
    const rest = form.slice(prefix[0].length);
    const known = knownName(rest);
    forms.push(formOf(known ?? rest, known !== undefined, !fromArabic));
  }
  const initial = form.length === 1;
  const weight = initial ? 0.5 : text === 'abd' || text === 'abu' ? 0.3 : commonNames.has(text) ? 0.6 : 1;
  return {
    original,
    text,
    skeleton: main.skeleton,
    forms,
    known: canonical !== undefined,
    fromArabic,
    initial,
    weight,
  };
}

/** Splits "abdelkader" into abd + kader and "noureddine" into nour + din. */
function latinParts(word: string): string[] {
  const form = normalizeLatinWord(word);
  if (knownName(form)) return [form];
  // Before doubled letters collapse: abdellatif is abd-el-latif.
  const abd = ABD_PREFIX.exec(word);
  if (abd) return ['abd', ...latinParts(word.slice(abd[0].length))];
  const din = DIN_SUFFIX.exec(word);
  if (din) return [normalizeLatinWord(din[1]!), 'din'];
  const allah = ALLAH_SUFFIX.exec(word);
  if (allah) return [normalizeLatinWord(allah[1]!), 'allah'];
  return [form];
}

const arabicForm = (word: string) => transliterateArabicWord(word).replace(/(.)\1+/g, '$1');

function arabicParts(word: string): { parts: string[]; particles: string[] } {
  const bare = word.replace(ARABIC_MARKS, '');
  const particle = ARABIC_PARTICLES[bare];
  if (particle) return { parts: [], particles: [particle] };
  const particles: string[] = [];
  const candidates = [bare];
  // The article is written attached (القاضي); also after a conjunction-free "و" is not handled here.
  if (bare.startsWith('ال') && bare.length > 3) {
    candidates.unshift(bare.slice(2));
    particles.push('al');
  }
  for (const candidate of candidates) {
    const known = knownName(candidate);
    if (known) return { parts: [known], particles };
  }
  const stem = candidates[0]!;
  // عبدالقادر written as one word.
  if (stem.startsWith('عبد') && stem.length > 4) {
    const rest = stem.slice(3).replace(/^ال/, '');
    return { parts: ['abd', knownName(rest) ?? arabicForm(rest)], particles };
  }
  return { parts: [arabicForm(stem)], particles };
}

/** Tokens of a name in any mix of Arabic and Latin script. */
export function normalizeName(name: string): NormalizedName {
  const words = name
    .normalize('NFKC')
    .split(/[^\p{L}\p{M}'’‘ʼʻʿʾ`´]+/u)
    .filter((w) => w.length > 0);
  const tokens: NameToken[] = [];
  const particles: string[] = [];
  words.forEach((word, i) => {
    if (ARABIC.test(word)) {
      const { parts, particles: found } = arabicParts(word);
      particles.push(...found);
      for (const part of parts) if (part) tokens.push(makeToken(word, part, true));
      return;
    }
    const folded = foldLatin(word).replace(/[^a-z]/g, '');
    if (!folded) return;
    // A particle is set aside when a name follows it ("al Qadi"); alone or last it is the name ("Ben").
    if (isParticle(folded) && i < words.length - 1) {
      particles.push(folded);
      return;
    }
    for (const part of latinParts(folded)) if (part) tokens.push(makeToken(word.toLowerCase(), part, false));
  });
  // Scores track paired tokens in 31-bit masks; no real name has more words than that.
  return { original: name, tokens: tokens.slice(0, MAX_TOKENS), particles };
}

/** Whether a text holds Arabic script. */
export function hasArabic(text: string): boolean {
  return ARABIC.test(text);
}
