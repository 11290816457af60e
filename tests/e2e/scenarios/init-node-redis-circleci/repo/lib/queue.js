'use strict';

const Redis = require('ioredis');

// Jobs wait in a sorted set scored by when they are due. For each job a marker key expires at
// that moment; workers subscribe to expiry events (the server must publish them:
// notify-keyspace-events with at least "Ex") instead of polling.
class LaterQueue {
  constructor(name, redisUrl) {
    this.name = name;
    this.redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    this.subscriber = null;
  }

  key(part) {
    return `later:${this.name}:${part}`;
  }

  async connect() {
    await this.redis.connect();
    const [, events] = await this.redis.config('GET', 'notify-keyspace-events');
    if (!events.includes('E') || !(events.includes('x') || events.includes('A'))) {
      throw new Error(
        `the server does not publish expiry events (notify-keyspace-events is "${events}")`,
      );
    }
  }

  async schedule(id, payload, delayMs) {
    const due = Date.now() + delayMs;
    await this.redis
      .multi()
      .zadd(this.key('due'), due, id)
      .hset(this.key('jobs'), id, JSON.stringify(payload))
      .set(this.key(`wake:${id}`), '1', 'PX', Math.max(1, delayMs))
      .exec();
    return due;
  }

  // Calls handler(id, payload) for each job as it becomes due, until stop() is called.
  async work(handler) {
    this.subscriber = this.redis.duplicate();
    const db = this.redis.options.db || 0;
    await this.subscriber.subscribe(`__keyevent@${db}__:expired`);
    this.subscriber.on('message', (_channel, key) => {
      if (key.startsWith(this.key('wake:'))) {
        this.takeDue(handler).catch((err) => this.subscriber.emit('error', err));
      }
    });
    await this.takeDue(handler);
  }

  async takeDue(handler) {
    const ids = await this.redis.zrangebyscore(this.key('due'), 0, Date.now());
    for (const id of ids) {
      // Whoever removes it from the set owns it.
      if ((await this.redis.zrem(this.key('due'), id)) === 1) {
        const payload = await this.redis.hget(this.key('jobs'), id);
        await this.redis.hdel(this.key('jobs'), id);
        await handler(id, JSON.parse(payload));
      }
    }
  }

  async close() {
    if (this.subscriber) {
      this.subscriber.disconnect();
    }
    await this.redis.quit();
  }
}

module.exports = { LaterQueue };
