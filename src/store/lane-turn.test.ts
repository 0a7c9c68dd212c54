import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LaneTurn } from './lane-turn.js';

/** Starts acquiring for a group of `members()` members; `held()` says whether it holds the turn yet. */
function waiter(turn: LaneTurn, members: () => number) {
  let holds = false;
  const acquired = turn.acquire(members).then(() => {
    holds = true;
  });
  return { acquired, held: () => holds };
}

const turnOfEvents = () => new Promise((resolve) => setImmediate(resolve));

test('without overlap: one group at a time, in the order they came', async () => {
  const turn = new LaneTurn();
  const first = waiter(turn, () => 30);
  const second = waiter(turn, () => 30);
  const third = waiter(turn, () => 1);
  await turnOfEvents();
  assert.deepEqual([first.held(), second.held(), third.held()], [true, false, false]);
  turn.membersChanged();
  await turnOfEvents();
  assert.equal(second.held(), false, 'however many members it has');
  turn.release();
  await turnOfEvents();
  assert.deepEqual([second.held(), third.held()], [true, false]);
  turn.release();
  await turnOfEvents();
  assert.equal(third.held(), true);
});

test('with overlap: a second group starts beside the running one once it has enough members, never a third', async () => {
  const turn = new LaneTurn(4);
  const first = waiter(turn, () => 1);
  let members = 1;
  const second = waiter(turn, () => members);
  await turnOfEvents();
  assert.deepEqual([first.held(), second.held()], [true, false], 'one member is not enough to overlap');
  members = 3;
  turn.membersChanged();
  await turnOfEvents();
  assert.equal(second.held(), false);
  members = 4;
  turn.membersChanged();
  await turnOfEvents();
  assert.equal(second.held(), true, 'four members: it starts while the first still runs');

  const third = waiter(turn, () => 10);
  await turnOfEvents();
  assert.equal(third.held(), false, 'two at most');
  turn.release();
  await turnOfEvents();
  assert.equal(third.held(), true, 'the first ended: the third, with enough members, joins the second');
});

test('with overlap: a small group waits for the running ones to end, then starts alone', async () => {
  const turn = new LaneTurn(4);
  const first = waiter(turn, () => 1);
  const small = waiter(turn, () => 2);
  await turnOfEvents();
  assert.equal(first.held(), true);
  turn.release();
  await turnOfEvents();
  assert.equal(small.held(), true);
});
