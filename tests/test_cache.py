"""The database cache the throttles count in (korea_reader/cache.py): count() makes a
window's counter or adds to it in one statement; add() makes a row or takes over an
expired one, incr() counts; none loses a count."""

import threading
from datetime import datetime, timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from annotations.throttles import _usage


def at_once(count, threads: int = 4, each: int = 25) -> None:
    """`count` called `each` times in each of `threads` threads, each on its own connection."""

    def run() -> None:
        try:
            for _ in range(each):
                count()
        finally:
            connection.close()

    started = [threading.Thread(target=run) for _ in range(threads)]
    for thread in started:
        thread.start()
    for thread in started:
        thread.join()


@pytest.fixture
def counter(db):
    cache.clear()
    return "rl:test-counter"


def test_add_makes_a_row_once_while_it_lives(counter):
    assert cache.add(counter, 1, 60) is True
    assert cache.add(counter, 5, 60) is False
    assert cache.get(counter) == 1


def test_add_of_a_live_row_leaves_it_unlocked(transactional_db):
    """A counted request whose window's counter lives writes nothing in add(): no lock,
    which PostgreSQL would flush to disk at the commit as it does a write."""
    cache.clear()
    cache.add("rl:live", 1, 60)

    assert cache.add("rl:live", 5, 60) is False

    with connection.cursor() as cursor:
        cursor.execute("SELECT xmax::text FROM korea_reader_cache")
        assert cursor.fetchone()[0] == "0"  # no transaction locked or changed it since


def test_add_takes_over_an_expired_row_and_deletes_other_expired_rows(counter):
    cache.add(counter, 7, 60)
    cache.add("rl:another", 3, 60)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE korea_reader_cache SET expires = now() - interval '1 minute'")

    assert cache.add(counter, 1, 60) is True

    assert cache.get(counter) == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM korea_reader_cache")
        assert cursor.fetchone()[0] == 1  # the other expired row is gone


def test_incr_counts_and_keeps_the_expiry(counter):
    cache.add(counter, 1, 60)
    with connection.cursor() as cursor:
        cursor.execute("SELECT expires FROM korea_reader_cache")
        (expires,) = cursor.fetchone()

    assert cache.incr(counter) == 2
    assert cache.incr(counter, 3) == 5

    assert cache.get(counter) == 5
    with connection.cursor() as cursor:
        cursor.execute("SELECT expires FROM korea_reader_cache")
        assert cursor.fetchone()[0] == expires


def test_incr_of_a_missing_or_expired_key_raises(counter):
    with pytest.raises(ValueError):
        cache.incr(counter)
    cache.add(counter, 1, 60)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE korea_reader_cache SET expires = now() - interval '1 second'")
    with pytest.raises(ValueError):
        cache.incr(counter)


def test_increments_at_once_lose_no_count(transactional_db):
    cache.clear()
    cache.add("rl:busy", 0, 60)

    at_once(lambda: cache.incr("rl:busy"))

    assert cache.get("rl:busy") == 100


def _expiry() -> datetime:
    with connection.cursor() as cursor:
        cursor.execute("SELECT expires FROM korea_reader_cache")
        return cursor.fetchone()[0]


def test_count_makes_a_counter_then_adds_to_it_and_keeps_its_expiry(counter):
    assert cache.count(counter, 60) == 1
    expires = _expiry()
    assert expires > timezone.now() + timedelta(seconds=55)

    assert cache.count(counter, 600) == 2
    assert cache.count(counter, 600, 3) == 5

    assert cache.get(counter) == 5
    assert _expiry() == expires  # a later timeout does not stretch the window


def test_a_counted_request_costs_one_statement(counter, django_assert_num_queries):
    cache.count(counter, 60)

    with django_assert_num_queries(1):
        assert cache.count(counter, 60) == 2


def test_count_takes_over_an_expired_counter_and_deletes_other_expired_rows(counter):
    cache.count(counter, 60, 7)
    cache.set("another", "value", 60)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE korea_reader_cache SET expires = now() - interval '1 minute'")

    assert cache.count(counter, 60) == 1

    assert _expiry() > timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM korea_reader_cache")
        assert cursor.fetchone()[0] == 1  # the other expired row is gone


def test_count_of_what_is_no_counter_starts_one(counter):
    cache.set(counter, "not a number", 60)

    assert cache.count(counter, 60) == 1
    assert cache.count(counter, 60) == 2


def test_counts_at_once_lose_none(transactional_db):
    cache.clear()

    at_once(lambda: cache.count("rl:busy", 60))

    assert cache.get("rl:busy") == 100


def test_a_number_that_set_stored_still_counts(counter):
    cache.set(counter, 41, 60)

    assert cache.incr(counter) == 42
    assert cache.incr(counter) == 43
    assert cache.get(counter) == 43


def test_incr_of_what_is_no_number_fails_and_changes_nothing(counter):
    cache.set(counter, "i:7 is no counter", 60)

    with pytest.raises(TypeError):
        cache.incr(counter)
    assert cache.get(counter) == "i:7 is no counter"


def test_other_values_come_back_as_they_went_in(counter):
    values = {"rl:a": 3, "rl:b": True, "rl:c": "i:3", "rl:d": {"n": 1}, "rl:e": None}
    for key, value in values.items():
        cache.add(key, value, 60)

    assert cache.get_many(list(values)) == values
    assert cache.get("rl:a") + 1 == cache.incr("rl:a")


def test_incr_counts_what_another_request_counted_since_add_read_it(counter):
    cache.add(counter, 1, 60)
    assert cache.add(counter, 1, 60) is False
    cache.set(counter, 5, 60)  # another request's counts, in between

    assert cache.incr(counter) == 6  # not 2: it adds to what is stored now

    assert cache.get(counter) == 6


def test_incr_after_add_read_it_raises_once_it_expired(counter):
    cache.add(counter, 1, 60)
    assert cache.add(counter, 1, 60) is False
    with connection.cursor() as cursor:
        cursor.execute("UPDATE korea_reader_cache SET expires = now() - interval '1 second'")

    with pytest.raises(ValueError):
        cache.incr(counter)


def test_the_throttles_count_in_an_unlogged_table_of_their_own(db):
    """Worth nothing after a crash, a count waits for no flush of the write-ahead log
    (migration 0028); the default cache, which keeps what must outlive one, is logged."""
    assert _usage("test-group", "someone", "5/m", count=2).count == 2

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, relpersistence FROM pg_class"
            " WHERE relname IN ('korea_reader_counts', 'korea_reader_cache')"
        )
        assert dict(cursor.fetchall()) == {"korea_reader_counts": "u", "korea_reader_cache": "p"}
        cursor.execute("SELECT count(*) FROM korea_reader_counts")
        assert cursor.fetchone()[0] == 1
        cursor.execute("SELECT count(*) FROM korea_reader_cache")
        assert cursor.fetchone()[0] == 0
