import assert from 'node:assert/strict';
import { test } from 'node:test';
import { needsFourEyes, riskLevel } from './risk.js';

const pass = { result: 'pass' as const };

test('risk level follows the worst check, the hits and the volume', () => {
  assert.equal(riskLevel({ kind: 'application', checks: [pass, pass], hits: [] }), 'low');
  assert.equal(riskLevel({ kind: 'application', checks: [pass, { result: 'warn' }], hits: [] }), 'medium');
  assert.equal(riskLevel({ kind: 'application', checks: [pass, { result: 'pending' }], hits: [] }), 'medium');
  assert.equal(riskLevel({ kind: 'application', checks: [pass, { result: 'fail' }], hits: [] }), 'high');
  assert.equal(riskLevel({ kind: 'application', checks: [pass], hits: [{ verdict: null }] }), 'high');
  assert.equal(
    riskLevel({ kind: 'application', checks: [pass], hits: [{ verdict: 'false_positive' }] }),
    'medium',
  );
  assert.equal(
    riskLevel({ kind: 'application', checks: [pass], hits: [], expectedMonthlyVolume: 100_000_001n }),
    'medium',
  );
  assert.equal(riskLevel({ kind: 'reinstatement', checks: [], hits: [] }), 'high');
});

test('four eyes for high risk, escalation or any screening hit', () => {
  assert.equal(needsFourEyes({ riskLevel: 'low', escalated: false, hits: [] }), false);
  assert.equal(needsFourEyes({ riskLevel: 'medium', escalated: false, hits: [] }), false);
  assert.equal(needsFourEyes({ riskLevel: 'high', escalated: false, hits: [] }), true);
  assert.equal(needsFourEyes({ riskLevel: 'low', escalated: true, hits: [] }), true);
  assert.equal(
    needsFourEyes({ riskLevel: 'medium', escalated: false, hits: [{ verdict: 'false_positive' }] }),
    true,
  );
});
