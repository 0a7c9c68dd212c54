import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadPairs } from './evaluation/evaluate.js';
import { type IndexedEntry, NameIndex } from './name-index.js';

const list = { id: 'wl_test', name: 'Test', source: 'national' as const };

function entry(id: string, text: string): IndexedEntry {
  const [name = '', birthDate, nationality] = text.split('|');
  return {
    entryId: id,
    entryVersion: '0000000000000000',
    list,
    kind: 'person',
    primaryName: name,
    names: [name],
    birthDates: birthDate ? [birthDate] : [],
    nationalities: nationality ? [nationality] : [],
  };
}

test('blocking loses no true match of the evaluation set: the index finds what a full scan finds', () => {
  const pairs = loadPairs();
  const index = new NameIndex();
  pairs.forEach((pair, i) => {
    index.upsert(entry(`e${i}`, pair.b));
  });
  const missed: string[] = [];
  pairs.forEach((pair, i) => {
    const [name = '', birthDate, nationality] = pair.a.split('|');
    const query = { name, birthDate: birthDate || null, nationality: nationality || null, limit: 100 };
    const scanned = index.scan(query).some((h) => h.entryId === `e${i}`);
    const found = index.search(query).some((h) => h.entryId === `e${i}`);
    // Blocking may also drop a false hit (a near-miss one consonant away); it must not drop a true one.
    if (pair.match && scanned !== found) missed.push(`${pair.a} / ${pair.b}`);
  });
  assert.deepEqual(missed, []);
});

test('a removed entry is not found; a replaced one is found under its new name', () => {
  const index = new NameIndex();
  index.upsert(entry('e1', 'Abdelkader El Mansouri'));
  index.upsert(entry('e2', 'Karim Tazi'));
  assert.equal(index.search({ name: 'Abdelkader Mansouri' })[0]?.entryId, 'e1');
  index.remove('e1');
  assert.deepEqual(index.search({ name: 'Abdelkader Mansouri' }), []);
  index.upsert(entry('e2', 'Karim Bennani'));
  assert.deepEqual(index.search({ name: 'Karim Tazi' }), []);
  assert.equal(index.search({ name: 'كريم بناني' })[0]?.entryId, 'e2');
  assert.equal(index.size, 1);
});
