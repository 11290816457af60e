import os
import uuid

import pytest

from guestbook.store import Guestbook, cache, database


@pytest.fixture
def book():
    db = database()
    mc = cache()
    mc.delete(Guestbook.PAGE_KEY)
    yield Guestbook(db, mc)
    db.close()
    mc.close()


def test_logged_in_as_the_ci_account(book):
    with book.db.cursor() as cur:
        cur.execute("SELECT SUBSTRING_INDEX(CURRENT_USER(), '@', 1), DATABASE()")
        assert cur.fetchone() == (os.environ["MYSQL_USER"], "guestbook_test")


def test_text_outside_the_basic_plane_survives(book):
    name = f"Zoë {uuid.uuid4().hex[:6]}"
    message = "Lovely stay 🏔️, merci — 谢谢"
    book.sign(name, message)
    with book.db.cursor() as cur:
        cur.execute("SELECT message FROM signatures WHERE name = %s", (name,))
        assert cur.fetchone()[0] == message


def test_the_latest_page_is_cached_until_someone_signs(book):
    book.sign("first", "hello")
    page = book.latest()
    assert page[0] == {"name": "first", "message": "hello"}
    assert book.cache.get(Guestbook.PAGE_KEY) is not None
    book.sign("second", "🎉")
    assert book.cache.get(Guestbook.PAGE_KEY) is None
    assert book.latest()[0]["message"] == "🎉"
