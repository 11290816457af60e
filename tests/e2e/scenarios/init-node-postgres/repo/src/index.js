'use strict';

const { Client } = require('pg');

// A changefeed reads what a logical replication slot decoded (with the built-in
// test_decoding plugin), in batches, and hands each change to a callback.
class Changefeed {
  constructor({ connectionString, slot, plugin = 'test_decoding' }) {
    if (!slot || !/^[a-z0-9_]+$/.test(slot)) {
      throw new Error(`invalid slot name: ${slot}`);
    }
    this.client = new Client({ connectionString });
    this.slot = slot;
    this.plugin = plugin;
  }

  async open() {
    await this.client.connect();
    const { rows } = await this.client.query(
      'SELECT 1 FROM pg_replication_slots WHERE slot_name = $1',
      [this.slot],
    );
    if (rows.length === 0) {
      await this.client.query(
        'SELECT pg_create_logical_replication_slot($1, $2)',
        [this.slot, this.plugin],
      );
    }
  }

  // Consumes every change decoded so far; returns how many there were.
  async drain(onChange) {
    const { rows } = await this.client.query(
      'SELECT lsn, xid, data FROM pg_logical_slot_get_changes($1, NULL, NULL)',
      [this.slot],
    );
    for (const row of rows) {
      if (row.data.startsWith('table ')) {
        onChange(parseChange(row.data), row.lsn);
      }
    }
    return rows.length;
  }

  async close({ drop = false } = {}) {
    if (drop) {
      await this.client.query('SELECT pg_drop_replication_slot($1)', [this.slot]);
    }
    await this.client.end();
  }
}

// "table public.orders: INSERT: id[integer]:1 status[text]:'new'"
function parseChange(line) {
  const match = /^table ([^:]+): (INSERT|UPDATE|DELETE): ?(.*)$/.exec(line);
  if (!match) {
    throw new Error(`cannot read change: ${line}`);
  }
  const [, table, op, rest] = match;
  const columns = {};
  const column = /(\w+)\[[^\]]+\]:('(?:[^']|'')*'|\S+)/g;
  let m;
  while ((m = column.exec(rest)) !== null) {
    const raw = m[2];
    columns[m[1]] = raw.startsWith("'") ? raw.slice(1, -1).replace(/''/g, "'") : raw;
  }
  return { table, op, columns };
}

module.exports = { Changefeed, parseChange };
