const { test } = require('uvu');
const assert = require('uvu/assert');
const { LaterQueue } = require('../lib/queue');

const url = process.env.QUEUE_TEST_REDIS_URL;
if (!url) {
  throw new Error('QUEUE_TEST_REDIS_URL is not set: the tests need the Redis server CI provides');
}

test('the server publishes expiry events', async () => {
  const queue = new LaterQueue('check', url);
  await queue.connect();
  await queue.close();
});

test('the tests use their own database', async () => {
  const queue = new LaterQueue('db', url);
  await queue.connect();
  try {
    assert.is(queue.redis.options.db, 3, 'QUEUE_TEST_REDIS_URL names database 3');
    await queue.redis.flushdb();
    assert.is(await queue.redis.dbsize(), 0);
  } finally {
    await queue.close();
  }
});

test('a delayed job runs when it is due, not before', async () => {
  const queue = new LaterQueue(`delay-${process.pid}`, url);
  await queue.connect();
  const started = Date.now();
  const ran = [];
  try {
    await queue.schedule('send-reminder', { to: 'ada@example.org' }, 300);
    const done = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the job never ran')), 5000);
      queue.work(async (id, payload) => {
        ran.push({ id, payload, after: Date.now() - started });
        clearTimeout(timer);
        resolve();
      });
    });
    await done;
  } finally {
    await queue.close();
  }
  assert.is(ran.length, 1);
  assert.equal(ran[0].payload, { to: 'ada@example.org' });
  assert.ok(ran[0].after >= 290, `ran after ${ran[0].after} ms`);
});

test.run();
