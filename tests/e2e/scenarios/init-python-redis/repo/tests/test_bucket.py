import os

import pytest

from throttle import Bucket


class Clock:
    def __init__(self):
        self.now = 1_000.0

    def __call__(self):
        return self.now


def test_the_budget_is_spent_then_refilled(client, name):
    clock = Clock()
    bucket = Bucket(client, name, capacity=3, refill_per_second=1, clock=clock)
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    clock.now += 2
    assert bucket.take(2)
    assert not bucket.take()


def test_two_buckets_of_one_name_share_the_budget(client, name):
    clock = Clock()
    first = Bucket(client, name, capacity=2, refill_per_second=0.1, clock=clock)
    second = Bucket(client, name, capacity=2, refill_per_second=0.1, clock=clock)
    assert first.take()
    assert second.take()
    assert not first.take()


def test_state_lives_in_the_configured_database(client, name):
    bucket = Bucket(client, name, capacity=5, refill_per_second=1, clock=Clock())
    bucket.take()
    assert client.connection_pool.connection_kwargs["db"] == int(os.environ["THROTTLE_REDIS_DB"])
    assert client.exists(f"throttle:{name}") == 1
    bucket.reset()
    assert client.exists(f"throttle:{name}") == 0


def test_nonsense_is_refused(client):
    with pytest.raises(ValueError):
        Bucket(client, "x", capacity=0, refill_per_second=1)
