const test = require("node:test");
const assert = require("node:assert");
const escape = require("escape-html");

test("a product title is escaped before it reaches the page", () => {
  assert.strictEqual(escape('Mugs & "Cups"'), "Mugs &amp; &quot;Cups&quot;");
});
