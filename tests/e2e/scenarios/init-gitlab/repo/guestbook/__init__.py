"""Signatures of a guestbook: kept in MariaDB, the latest page cached in memcached."""
