import os
import uuid

import psycopg2
import pytest

from walstream import SlotReader, parse_change


@pytest.fixture
def conn():
    # libpq reads PGHOST, PGPORT, PGUSER, PGPASSWORD and PGDATABASE, passed through by tox.
    conn = psycopg2.connect("")
    conn.autocommit = True
    yield conn
    conn.close()


def test_parse_an_insert():
    change = parse_change("table public.orders: INSERT: id[integer]:7 note[text]:'it''s here' paid[boolean]:null")
    assert (change.schema, change.table, change.op) == ("public", "orders", "INSERT")
    assert change.columns == {"id": 7, "note": "it's here", "paid": None}
    assert parse_change("BEGIN 1234") is None


def test_the_server_decodes_logically(conn):
    with conn.cursor() as cur:
        cur.execute("SHOW wal_level")
        assert cur.fetchone()[0] == "logical", "logical decoding needs wal_level = logical"
        cur.execute("SELECT current_database()")
        assert cur.fetchone()[0] == os.environ["PGDATABASE"]


def test_changes_come_out_of_the_slot(conn):
    table = f"orders_{uuid.uuid4().hex[:8]}"
    reader = SlotReader(conn, f"slot_{uuid.uuid4().hex[:8]}")
    with conn.cursor() as cur:
        cur.execute(f"CREATE TABLE {table} (id integer PRIMARY KEY, note text)")
    reader.create()
    try:
        with conn.cursor() as cur:
            cur.execute(f"INSERT INTO {table} VALUES (1, 'first'), (2, 'second')")
            cur.execute(f"DELETE FROM {table} WHERE id = 1")
        changes = reader.changes()
    finally:
        reader.drop()
        with conn.cursor() as cur:
            cur.execute(f"DROP TABLE {table}")
    assert [(c.table, c.op) for c in changes] == [(table, "INSERT"), (table, "INSERT"), (table, "DELETE")]
    assert changes[1].columns == {"id": 2, "note": "second"}
