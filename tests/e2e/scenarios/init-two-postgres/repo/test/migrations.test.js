// Applies the migrations to both servers with psql, then compares what each holds.
const test = require("node:test");
const assert = require("node:assert");
const { execFileSync } = require("node:child_process");
const path = require("node:path");

const migrations = path.join(__dirname, "..", "migrations", "001_accounts.sql");

function psql(url, ...args) {
  assert.ok(url, "the server's URL is not set");
  return execFileSync("psql", [url, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", ...args], { encoding: "utf8" }).trim();
}

for (const [name, major] of [["LEDGER_DB", 16], ["LEDGER_OLD_DB", 15]]) {
  test(`${name} is a PostgreSQL ${major} server the migrations apply to`, () => {
    const url = process.env[name];
    const version = Number(psql(url, "-c", "show server_version_num"));
    assert.strictEqual(Math.floor(version / 10000), major);
    psql(url, "-f", migrations);
    const tables = psql(url, "-c", "select string_agg(tablename, ',' order by tablename) from pg_tables where schemaname = 'public'");
    assert.strictEqual(tables, "accounts,entries");
  });
}
