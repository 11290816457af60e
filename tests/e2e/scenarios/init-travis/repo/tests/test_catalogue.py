import uuid

import psycopg2
import pytest

from bookshelf.catalogue import Catalogue, connect


@pytest.fixture
def catalogue():
    db, cache = connect()
    yield Catalogue(db, cache)
    db.close()


def isbn():
    return "978-" + uuid.uuid4().hex[:9]


def test_the_schema_travis_loads_is_there(catalogue):
    with catalogue.db.cursor() as cur:
        cur.execute("SELECT current_database(), to_regclass('books') IS NOT NULL")
        assert cur.fetchone() == ("bookshelf_test", True)


def test_a_book_is_found_then_served_from_the_cache(catalogue):
    number = isbn()
    catalogue.add(number, "The Left Hand of Darkness", "Ursula K. Le Guin", 3)
    assert catalogue.find(number)["shelf"] == 3
    assert catalogue.find(number)["author"] == "Ursula K. Le Guin"
    assert catalogue.lookups == 1
    assert catalogue.cache.ttl(f"book:{number}") <= 60


def test_moving_a_book_forgets_the_cached_one(catalogue):
    number = isbn()
    catalogue.add(number, "Dune", "Frank Herbert", 1)
    catalogue.find(number)
    catalogue.add(number, "Dune", "Frank Herbert", 7)
    assert catalogue.find(number)["shelf"] == 7


def test_the_cache_is_the_database_travis_names(catalogue):
    assert catalogue.cache.connection_pool.connection_kwargs["db"] == 2


def test_a_shelf_is_positive(catalogue):
    with pytest.raises(psycopg2.IntegrityError):
        catalogue.add(isbn(), "Nowhere", "Nobody", 0)
    catalogue.db.rollback()
