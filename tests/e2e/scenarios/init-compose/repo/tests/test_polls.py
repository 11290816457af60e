import pytest

from pollster.polls import Polls, connect


@pytest.fixture
def polls():
    db, counter = connect()
    yield Polls(db, counter)
    db.close()


def test_connected_as_the_compose_account(polls):
    user, database = polls.db.execute("SELECT current_user, current_database()").fetchone()
    assert (user, database) == ("pollster", "pollster")


def test_votes_are_counted_then_flushed(polls):
    question = polls.ask("Tabs or spaces?", ["tabs", "spaces"])
    for choice in ["spaces", "tabs", "spaces"]:
        polls.vote(question, choice)
    assert polls.counter.hget(f"poll:{question}", "spaces") == "2"
    polls.flush(question)
    assert polls.results(question) == {"spaces": 2, "tabs": 1}
    assert not polls.counter.exists(f"poll:{question}")


def test_the_limit_comes_from_the_environment(polls):
    with pytest.raises(ValueError):
        polls.ask("Too many?", ["a", "b", "c", "d", "e", "f"])
