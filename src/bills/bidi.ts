import bidiFactory from 'bidi-js';

// A CommonJS package: depending on the loader, a default import is the factory or its exports object.
type Factory = () => ReturnType<typeof bidiFactory.default>;
const imported = bidiFactory as unknown as Factory | { default: Factory };
const bidi = (typeof imported === 'function' ? imported : imported.default)();

/** A piece of a line with one direction, in the order it is drawn from left to right. */
export interface VisualRun {
  text: string;
  rtl: boolean;
}

/**
 * Splits a line into runs of one embedding level (Unicode bidirectional algorithm) and puts them in
 * visual order, left to right. Each run keeps its characters in logical order: the font engine lays
 * an Arabic run out right to left itself, and a run of digits stays left to right. Drawing the whole
 * line at once instead prints "12345" as "54321" inside Arabic (measured with pdfkit, see PITFALLS).
 */
export function visualRuns(text: string, direction: 'rtl' | 'ltr'): VisualRun[] {
  if (text === '') return [];
  const { levels } = bidi.getEmbeddingLevels(text, direction);
  const runs: { text: string; level: number }[] = [];
  for (let i = 0; i < text.length; i++) {
    const level = levels[i]!;
    const last = runs.at(-1);
    if (last && last.level === level) last.text += text[i];
    else runs.push({ text: text[i]!, level });
  }
  // Rule L2: from the highest level down to the lowest odd one, reverse every sequence at that level or above.
  const highest = Math.max(...runs.map((r) => r.level));
  const lowestOdd = Math.min(...runs.map((r) => (r.level % 2 === 1 ? r.level : highest + 1)));
  for (let level = highest; level >= lowestOdd && level > 0; level--) {
    let start = -1;
    for (let i = 0; i <= runs.length; i++) {
      const inside = i < runs.length && runs[i]!.level >= level;
      if (inside && start < 0) start = i;
      if (!inside && start >= 0) {
        runs.splice(start, i - start, ...runs.slice(start, i).reverse());
        start = -1;
      }
    }
  }
  return runs.map((r) => ({ text: r.level % 2 === 1 ? mirror(r.text) : r.text, rtl: r.level % 2 === 1 }));
}

const MIRRORED: Record<string, string> = {
  '(': ')',
  ')': '(',
  '[': ']',
  ']': '[',
  '<': '>',
  '>': '<',
  '«': '»',
  '»': '«',
};

/** Brackets in a right-to-left run face the other way (rule L4). */
function mirror(text: string): string {
  return text.replace(/[()[\]<>«»]/g, (c) => MIRRORED[c] ?? c);
}

export function hasArabic(text: string): boolean {
  return /[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]/.test(text);
}
