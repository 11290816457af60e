'use strict';

const test = require('node:test');
const assert = require('node:assert');
const { parseChange } = require('../src');

test('parses an insert decoded by test_decoding', () => {
  const change = parseChange("table public.orders: INSERT: id[integer]:7 note[text]:'it''s here'");
  assert.deepStrictEqual(change, {
    table: 'public.orders',
    op: 'INSERT',
    columns: { id: '7', note: "it's here" },
  });
});

test('refuses what it cannot read', () => {
  assert.throws(() => parseChange('BEGIN 1234'), /cannot read change/);
});
