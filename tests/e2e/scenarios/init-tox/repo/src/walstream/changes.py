import re
from dataclasses import dataclass, field

# test_decoding's lines: `table public.orders: INSERT: id[integer]:1 note[text]:'first'`
_LINE = re.compile(r"^table (?P<schema>[^.]+)\.(?P<table>[^:]+): (?P<op>INSERT|UPDATE|DELETE): (?P<rest>.*)$")
_COLUMN = re.compile(r"(?P<name>\w+)\[(?P<type>[^\]]+)\]:(?P<value>'(?:[^']|'')*'|\S+)")


@dataclass
class Change:
    schema: str
    table: str
    op: str
    columns: dict = field(default_factory=dict)


def _value(kind, text):
    if text == "null":
        return None
    if text.startswith("'"):
        return text[1:-1].replace("''", "'")
    if kind in ("integer", "bigint", "smallint"):
        return int(text)
    return text


def parse_change(line):
    """A test_decoding line as a Change; None for BEGIN, COMMIT and what is not a row."""
    found = _LINE.match(line)
    if not found:
        return None
    columns = {m["name"]: _value(m["type"], m["value"]) for m in _COLUMN.finditer(found["rest"])}
    return Change(found["schema"], found["table"], found["op"], columns)


class SlotReader:
    """Creates a logical slot on `conn`'s database and consumes its changes."""

    def __init__(self, conn, slot):
        self.conn = conn
        self.slot = slot

    def create(self):
        with self.conn.cursor() as cur:
            cur.execute("SELECT pg_create_logical_replication_slot(%s, 'test_decoding')", (self.slot,))

    def drop(self):
        with self.conn.cursor() as cur:
            cur.execute("SELECT pg_drop_replication_slot(%s)", (self.slot,))

    def changes(self):
        with self.conn.cursor() as cur:
            cur.execute("SELECT data FROM pg_logical_slot_get_changes(%s, NULL, NULL)", (self.slot,))
            rows = cur.fetchall()
        return [c for c in (parse_change(data) for (data,) in rows) if c is not None]
