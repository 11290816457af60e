const test = require("node:test");
const assert = require("node:assert");
const ms = require("ms");

test("a delivery window is read in days", () => {
  assert.strictEqual(ms("2d"), 2 * 24 * 60 * 60 * 1000);
});
