import os
import uuid

import pytest
import redis


@pytest.fixture
def client():
    """A client of the server CI runs: REDIS_HOST and REDIS_PORT are required, on purpose."""
    conn = redis.Redis(
        host=os.environ["REDIS_HOST"],
        port=int(os.environ["REDIS_PORT"]),
        db=int(os.environ.get("THROTTLE_REDIS_DB", "0")),
        socket_connect_timeout=2,
    )
    conn.ping()
    yield conn
    conn.close()


@pytest.fixture
def name():
    return f"test-{uuid.uuid4().hex}"
