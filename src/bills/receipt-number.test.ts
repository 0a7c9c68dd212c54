import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { createReceiptNumbers } from './receipt-number.js';

test('issued numbers carry a tag only the key can make', () => {
  const numbers = createReceiptNumbers(randomBytes(32));
  const other = createReceiptNumbers(randomBytes(32));
  const issued = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const number = numbers.issue();
    assert.match(
      number,
      /^R-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{6}$/,
    );
    assert.ok(numbers.isSigned(number));
    assert.ok(numbers.isSigned(number.toLowerCase()), 'typed in lower case still checks');
    assert.ok(!other.isSigned(number), 'another key does not recognise it');
    issued.add(number);
  }
  assert.equal(issued.size, 200);
});

test('any single changed character is refused', () => {
  const numbers = createReceiptNumbers(randomBytes(32));
  const number = numbers.issue();
  for (let i = 2; i < number.length; i++) {
    if (number[i] === '-') continue;
    const changed = `${number.slice(0, i)}${number[i] === '7' ? '8' : '7'}${number.slice(i + 1)}`;
    assert.ok(!numbers.isSigned(changed), changed);
  }
  for (const junk of ['', 'R-', 'R-AAAA-AAAA-AAAA-AAAAAA', 'R-IIII-LLLL-OOOO-UUUUUU', `${number}X`])
    assert.ok(!numbers.isSigned(junk), junk);
});
