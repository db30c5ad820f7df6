"""Run tasks over N restore connections, as pg_restore -j does: dependencies first, no lock fights.

A task may start once every task it depends on is done and no running task holds one of
its tables in a conflicting mode (CREATE INDEX takes SHARE, which is compatible with itself;
everything else here takes a stronger lock). Among ready tasks the highest priority goes first.
The first failure stops the pool: running tasks are cancelled (their transactions roll back),
nothing new starts, and the failure is raised.
"""

from __future__ import annotations

import bisect
import threading
from typing import Callable

import psycopg
from msgspec import Struct

from ..errors import RestoreError
from .session import Session


class Task(Struct):
    key: str
    run: Callable[[Session], None] | None  # None: a placeholder kept for its dependencies
    deps: frozenset[str] = frozenset()
    locks: frozenset[str] = frozenset()
    shared: bool = False  # its locks are compatible with other shared ones (CREATE INDEX: SHARE)
    alone: bool = False  # runs only when nothing else does
    priority: tuple = ()  # smaller first


class _State:
    """Which tasks may start: each finish wakes only its own dependents (linear in tasks and edges:
    a restore of 10,000 tables has some 40,000 of them)."""

    def __init__(self, tasks: list[Task]):
        keys = {t.key for t in tasks}
        self.waiting = {t.key: set(t.deps) & keys for t in tasks}
        self.dependents: dict[str, list[Task]] = {}
        for task in tasks:
            for dep in self.waiting[task.key]:
                self.dependents.setdefault(dep, []).append(task)
        self.ready = sorted((t for t in tasks if not self.waiting[t.key]), key=_order)  # by priority
        self.left = len(tasks)  # not yet started
        self.running: dict[str, Task] = {}
        self.error: BaseException | None = None
        self.cond = threading.Condition()

    def conflicts(self, task: Task) -> bool:
        if task.alone and self.running:
            return True
        for other in self.running.values():
            if other.alone:
                return True
            if task.locks & other.locks and not (task.shared and other.shared):
                return True
        return False

    def take(self) -> Task | None:
        """The next runnable task, waiting for one; None when all are done or the pool failed."""
        with self.cond:
            while True:
                if self.error is not None or not self.left:
                    return None
                for i, task in enumerate(self.ready):
                    if not self.conflicts(task):
                        del self.ready[i]
                        self.left -= 1
                        self.running[task.key] = task
                        return task
                if not self.running:
                    names = ", ".join([key for key, waits in self.waiting.items() if waits][:5])
                    self.error = RestoreError(f"restore plan cannot proceed: unresolved dependencies ({names})")
                    return None
                self.cond.wait()

    def finish(self, task: Task, error: BaseException | None) -> None:
        with self.cond:
            del self.running[task.key]
            if error is not None and self.error is None:
                self.error = error
            for other in self.dependents.get(task.key, ()):
                waits = self.waiting[other.key]
                waits.discard(task.key)
                if not waits:
                    bisect.insort(self.ready, other, key=_order)
            self.cond.notify_all()


def _order(task: Task) -> tuple:
    return task.priority


def run_pool(tasks: list[Task], sessions: list[Session]) -> None:
    """Run every task on one of the sessions; with one session, in this thread, in priority order."""
    if not tasks:
        return
    state = _State(tasks)

    def work(session: Session) -> None:
        while (task := state.take()) is not None:
            error = None
            try:
                if task.run is not None:
                    session.busy.set()
                    task.run(session)
            except BaseException as exc:  # noqa: BLE001 - handed to the caller below
                error = exc
            finally:
                session.busy.clear()
            state.finish(task, error)
            if error is not None:
                for other in sessions:
                    if other is not session and other.busy.is_set():
                        other.cancel()

    if len(sessions) == 1:
        work(sessions[0])
    else:
        threads = [threading.Thread(target=work, args=(s,), daemon=True) for s in sessions]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    if state.error is not None:
        error = state.error
        if isinstance(error, psycopg.errors.QueryCanceled):
            raise RestoreError("restore cancelled") from None
        raise error
