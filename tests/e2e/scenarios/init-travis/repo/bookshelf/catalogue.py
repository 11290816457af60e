import json
import os

import psycopg2
import redis


def connect():
    """The database and the cache named by DATABASE_URL and REDIS_URL."""
    db = psycopg2.connect(os.environ["DATABASE_URL"])
    cache = redis.Redis.from_url(os.environ["REDIS_URL"])
    return db, cache


class Catalogue:
    def __init__(self, db, cache, ttl=None):
        self.db = db
        self.cache = cache
        self.ttl = ttl or int(os.environ.get("BOOKSHELF_CACHE_SECONDS", "300"))
        self.lookups = 0

    def add(self, isbn, title, author, shelf):
        with self.db, self.db.cursor() as cur:
            cur.execute(
                "INSERT INTO books (isbn, title, author, shelf) VALUES (%s, %s, %s, %s)"
                " ON CONFLICT (isbn) DO UPDATE SET title = EXCLUDED.title, author = EXCLUDED.author,"
                " shelf = EXCLUDED.shelf",
                (isbn, title, author, shelf),
            )
        self.cache.delete(f"book:{isbn}")

    def find(self, isbn):
        cached = self.cache.get(f"book:{isbn}")
        if cached is not None:
            return json.loads(cached)
        self.lookups += 1
        with self.db.cursor() as cur:
            cur.execute("SELECT isbn, title, author, shelf FROM books WHERE isbn = %s", (isbn,))
            row = cur.fetchone()
        if row is None:
            return None
        book = dict(zip(("isbn", "title", "author", "shelf"), row))
        self.cache.setex(f"book:{isbn}", self.ttl, json.dumps(book))
        return book
