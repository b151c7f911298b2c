"""Stages that run as a loop of short passes keep one database connection instead of logging in each pass."""

from __future__ import annotations

import threading

import psycopg2
import pytest

from portalnews.pipelines.alongside import repeated_alongside
from portalnews.store.db import keeping_connections, transaction
from tests.support.database import query


def _backend(db_url: str) -> int:
    with transaction(db_url) as cur:
        cur.execute("SELECT pg_backend_pid() AS pid")
        return cur.fetchone()["pid"]


def test_transactions_inside_keeping_connections_share_one_session_and_it_is_closed_after(db_url):
    with keeping_connections():
        first, second = _backend(db_url), _backend(db_url)
    assert first == second
    assert not query(db_url, "SELECT 1 FROM pg_stat_activity WHERE pid = %s", (first,))


def test_each_transaction_outside_keeping_connections_has_its_own_session(db_url):
    assert _backend(db_url) != _backend(db_url)


def test_a_kept_session_the_server_ended_is_replaced_before_the_next_transaction(db_url):
    with keeping_connections():
        ended = _backend(db_url)
        # With a timeout the call returns once the session is gone (without, it races the next transaction).
        query(db_url, "SELECT pg_terminate_backend(%s, 30000)", (ended,))
        replacement = _backend(db_url)
        assert _backend(db_url) == replacement  # kept in its turn
    assert replacement != ended


def test_a_failed_statement_leaves_the_kept_session_usable(db_url):
    with keeping_connections():
        before = _backend(db_url)
        with pytest.raises(psycopg2.errors.UndefinedTable), transaction(db_url) as cur:
            cur.execute("SELECT * FROM no_such_table")
        assert _backend(db_url) == before


def test_passes_run_alongside_a_block_log_in_once(db_url):
    class Sessions(set):
        def add(self, other):  # the passes' stats: the sessions they ran in
            self.update(other)

    passes = threading.Semaphore(0)

    def one_pass():
        passes.release()
        return {_backend(db_url)}

    with repeated_alongside(
        "test", one_pass, did_work=lambda done: False, total=Sessions(), idle_wait=0.01
    ) as done:
        for _ in range(5):
            passes.acquire()
    assert len(done.result()) == 1
