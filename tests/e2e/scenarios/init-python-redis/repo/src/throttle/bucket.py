import time

# Refill and take in one step on the server, so that two workers never spend the same token.
_TAKE = """
local tokens = tonumber(redis.call('HGET', KEYS[1], 'tokens'))
local stamp = tonumber(redis.call('HGET', KEYS[1], 'stamp'))
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local wanted = tonumber(ARGV[4])
if tokens == nil then
  tokens = capacity
  stamp = now
end
tokens = math.min(capacity, tokens + (now - stamp) * rate)
local granted = 0
if tokens >= wanted then
  tokens = tokens - wanted
  granted = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'stamp', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(capacity / rate) + 1)
return granted
"""


class Bucket:
    """`capacity` tokens, refilled at `refill_per_second`; state lives under `throttle:NAME`."""

    def __init__(self, client, name, capacity, refill_per_second, clock=time.time):
        if capacity <= 0 or refill_per_second <= 0:
            raise ValueError("capacity and refill_per_second must be positive")
        self._client = client
        self._key = f"throttle:{name}"
        self._capacity = capacity
        self._rate = refill_per_second
        self._clock = clock
        self._take = client.register_script(_TAKE)

    def take(self, tokens=1):
        """Spends `tokens` when the bucket holds them; returns whether it did."""
        granted = self._take(keys=[self._key], args=[self._capacity, self._rate, self._clock(), tokens])
        return bool(granted)

    def reset(self):
        self._client.delete(self._key)
