"""Catalog queries spread over several connections that share the lead's snapshot."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

import psycopg

from ..errors import EngineError


class ReaderPool:
    """Runs each read on whichever connection is free: the lead, or one of `readers` more,
    connected (in the background) as the pool starts; one that cannot connect is done without.

    A reader never waits for a lock. The lead holds ACCESS SHARE on the tables being backed up;
    a session that then asks for ACCESS EXCLUSIVE on one of them queues behind the lead, and a
    reader's own lock request (some deparsing functions lock the relation) would queue behind
    that one, forever: the lead does not end its transaction while it waits for the reader.
    So readers run with a short lock_timeout (`open_reader`'s job), and a read whose reader
    timed out is read again on the lead, which already holds the lock and is never made to
    queue. That reader is closed: its transaction is aborted.
    """

    def __init__(self, lead: psycopg.Connection, readers: int,
                 open_reader: Callable[[], psycopg.Connection] | None, lead_busy: bool = False):
        """`lead_busy`: the caller goes on using the lead; reads wait for the readers, or for
        `release_lead()`."""
        self.lead = lead
        readers = readers if open_reader else 0
        self.free: list[psycopg.Connection] = [] if lead_busy else [lead]
        self.cond = threading.Condition()
        self.open_reader = open_reader
        self.opened: list[psycopg.Connection] = []
        self.waiting: list[object] = []  # reads waiting for a connection, first come first
        self.closing = False
        self.executor = ThreadPoolExecutor(1 + readers, thread_name_prefix="catalog")
        for _ in range(readers):  # connecting takes round trips: done while the caller reads on
            self.executor.submit(self._connect)

    def release_lead(self) -> None:
        self._give(self.lead)

    def submit(self, read: Callable[[psycopg.Connection], object]) -> Future:
        return self.executor.submit(self._run, read)

    def _connect(self) -> None:
        try:
            conn = self.open_reader()
        except (psycopg.Error, EngineError):
            return  # e.g. too many connections: the work goes to those already open
        self.opened.append(conn)
        self._give(conn)

    def _run(self, read: Callable[[psycopg.Connection], object]):
        conn = self._take()
        try:
            return read(conn)
        except psycopg.Error as exc:
            if conn is self.lead:
                raise
            conn.close()  # its transaction is aborted; the other connections go on
            conn = None
            if not isinstance(exc, psycopg.errors.LockNotAvailable):
                raise
        finally:
            if conn is not None:
                self._give(conn)
        conn = self._take(lead=True)
        try:
            return read(conn)
        finally:
            self._give(conn)

    def _take(self, lead: bool = False) -> psycopg.Connection:
        """A free connection (the lead, if `lead`), to reads in the order they asked: the
        heaviest, submitted first, must not wait behind those a thread done connecting picks."""
        with self.cond:
            if lead:
                self._wait(lambda: self.lead in self.free)
                return self.free.pop(self.free.index(self.lead))
            turn = object()
            self.waiting.append(turn)
            try:
                self._wait(lambda: self.free and self.waiting[0] is turn)
                return self.free.pop()
            finally:
                self.waiting.remove(turn)
                self.cond.notify_all()

    def _wait(self, ready: Callable[[], object]) -> None:
        while not ready():
            if self.closing:  # the caller gave up (an error) with the lead still its own
                raise EngineError("the catalog reader pool is closed")
            self.cond.wait()

    def _give(self, conn: psycopg.Connection) -> None:
        with self.cond:
            self.free.append(conn)
            self.cond.notify_all()

    def __enter__(self) -> "ReaderPool":
        return self

    def __exit__(self, *exc) -> None:
        with self.cond:
            self.closing = True
            self.cond.notify_all()
        self.executor.shutdown(wait=True, cancel_futures=True)
        for conn in self.opened:
            conn.close()
