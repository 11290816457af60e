import os

import psycopg
import redis

SCHEMA = """
CREATE TABLE IF NOT EXISTS questions (
    id serial PRIMARY KEY,
    text text NOT NULL
);
CREATE TABLE IF NOT EXISTS answers (
    question_id integer NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
    choice text NOT NULL,
    votes integer NOT NULL DEFAULT 0,
    PRIMARY KEY (question_id, choice)
);
"""


def connect():
    db = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)
    db.execute(SCHEMA)
    return db, redis.Redis.from_url(os.environ["REDIS_URL"], decode_responses=True)


class Polls:
    def __init__(self, db, counter):
        self.db = db
        self.counter = counter
        self.limit = int(os.environ.get("POLLSTER_QUESTION_LIMIT", "10"))

    def ask(self, text, choices):
        if len(choices) > self.limit:
            raise ValueError(f"at most {self.limit} choices")
        row = self.db.execute("INSERT INTO questions (text) VALUES (%s) RETURNING id", (text,)).fetchone()
        for choice in choices:
            self.db.execute("INSERT INTO answers (question_id, choice) VALUES (%s, %s)", (row[0], choice))
        return row[0]

    def vote(self, question, choice):
        self.counter.hincrby(f"poll:{question}", choice, 1)

    def flush(self, question):
        """Moves the counted votes into the database."""
        key = f"poll:{question}"
        with self.counter.pipeline() as pipe:
            pipe.hgetall(key)
            pipe.delete(key)
            counted, _ = pipe.execute()
        with self.db.transaction():
            for choice, votes in counted.items():
                self.db.execute(
                    "UPDATE answers SET votes = votes + %s WHERE question_id = %s AND choice = %s",
                    (int(votes), question, choice),
                )

    def results(self, question):
        rows = self.db.execute(
            "SELECT choice, votes FROM answers WHERE question_id = %s ORDER BY votes DESC, choice", (question,)
        )
        return dict(rows.fetchall())
