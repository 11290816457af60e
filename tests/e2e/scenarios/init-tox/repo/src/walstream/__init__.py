"""Row changes from a PostgreSQL logical replication slot (the test_decoding output plugin)."""

from .changes import Change, SlotReader, parse_change

__all__ = ["Change", "SlotReader", "parse_change"]
