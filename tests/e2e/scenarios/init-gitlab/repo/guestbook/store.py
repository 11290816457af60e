import json
import os

import pymysql
from pymemcache.client.base import Client

SCHEMA = """
CREATE TABLE IF NOT EXISTS signatures (
    id INT AUTO_INCREMENT PRIMARY KEY,
    name VARCHAR(100) NOT NULL,
    message TEXT NOT NULL,
    signed_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci
"""


def database():
    """The account CI creates for the tests (MYSQL_USER, MYSQL_PASSWORD, MYSQL_DATABASE)."""
    return pymysql.connect(
        host=os.environ["GUESTBOOK_DB_HOST"],
        port=int(os.environ["GUESTBOOK_DB_PORT"]),
        user=os.environ["MYSQL_USER"],
        password=os.environ["MYSQL_PASSWORD"],
        database=os.environ["MYSQL_DATABASE"],
        charset="utf8mb4",
        autocommit=True,
    )


def cache():
    host, port = os.environ["GUESTBOOK_CACHE"].rsplit(":", 1)
    return Client((host, int(port)), connect_timeout=2, timeout=2)


class Guestbook:
    PAGE_KEY = b"guestbook:latest"

    def __init__(self, db, cache):
        self.db = db
        self.cache = cache
        with db.cursor() as cur:
            cur.execute(SCHEMA)

    def sign(self, name, message):
        with self.db.cursor() as cur:
            cur.execute("INSERT INTO signatures (name, message) VALUES (%s, %s)", (name, message))
        self.cache.delete(self.PAGE_KEY)

    def latest(self, count=10):
        cached = self.cache.get(self.PAGE_KEY)
        if cached is not None:
            return json.loads(cached.decode("utf-8"))
        with self.db.cursor() as cur:
            cur.execute("SELECT name, message FROM signatures ORDER BY id DESC LIMIT %s", (count,))
            page = [{"name": n, "message": m} for n, m in cur.fetchall()]
        self.cache.set(self.PAGE_KEY, json.dumps(page, ensure_ascii=False).encode("utf-8"), expire=30)
        return page
