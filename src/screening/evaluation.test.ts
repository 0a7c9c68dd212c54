import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluate, loadPairs } from './evaluation/evaluate.js';

test('the evaluation set is large and covers every kind of pair', () => {
  const pairs = loadPairs();
  assert.ok(pairs.length >= 300, `${pairs.length} pairs`);
  const kinds = new Set(pairs.map((p) => p.kind));
  for (const kind of [
    'arabic-latin',
    'spelling',
    'particles',
    'patronymic',
    'order',
    'initials',
    'alias',
    'near-miss',
  ])
    assert.ok(kinds.has(kind), kind);
  assert.ok(pairs.filter((p) => !p.match).length >= 100, 'at least 100 near-misses that must not match');
});

test('precision ≥ 0.90 and recall ≥ 0.95 on the evaluation set', () => {
  const result = evaluate();
  const mistakes = result.mistakes
    .map((m) => `${m.match ? 'missed' : 'false hit'} ${m.score.toFixed(2)}: ${m.a} / ${m.b}`)
    .join('\n');
  assert.ok(result.recall >= 0.95, `recall ${result.recall.toFixed(3)}\n${mistakes}`);
  assert.ok(result.precision >= 0.9, `precision ${result.precision.toFixed(3)}\n${mistakes}`);
});
