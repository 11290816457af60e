'use strict';

// Runs against the server CI starts: CHANGEFEED_DATABASE_URL names it, with the role the
// workflow creates. Logical decoding needs wal_level = logical, which the workflow sets.
const test = require('node:test');
const assert = require('node:assert');
const { Client } = require('pg');
const { Changefeed } = require('../src');

const url = process.env.CHANGEFEED_DATABASE_URL;
if (!url) {
  throw new Error('CHANGEFEED_DATABASE_URL is not set: these tests need the database CI provides');
}

test('the server decodes logically, with room for the test clients', async () => {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows: [level] } = await client.query('SHOW wal_level');
    assert.strictEqual(level.wal_level, 'logical');
    const { rows: [max] } = await client.query('SHOW max_connections');
    assert.ok(Number(max.max_connections) >= 150, `max_connections is ${max.max_connections}`);
    const { rows: [who] } = await client.query('SELECT current_user AS name, current_database() AS db');
    assert.deepStrictEqual(who, { name: 'feed', db: 'changefeed_test' });
  } finally {
    await client.end();
  }
});

test('a slot sees an insert and an update, in order', async () => {
  const setup = new Client({ connectionString: url });
  await setup.connect();
  await setup.query('DROP TABLE IF EXISTS orders');
  await setup.query('CREATE TABLE orders (id integer PRIMARY KEY, status text NOT NULL)');

  const feed = new Changefeed({ connectionString: url, slot: `feed_test_${process.pid}` });
  await feed.open();
  try {
    await setup.query("INSERT INTO orders VALUES (1, 'new')");
    await setup.query("UPDATE orders SET status = 'paid' WHERE id = 1");
    const seen = [];
    await feed.drain((change) => seen.push(change));
    assert.deepStrictEqual(
      seen.map((c) => [c.op, c.columns.status]),
      [['INSERT', 'new'], ['UPDATE', 'paid']],
    );
  } finally {
    await feed.close({ drop: true });
    await setup.query('DROP TABLE orders');
    await setup.end();
  }
});
