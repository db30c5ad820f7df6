"""Run tasks over N restore connections, as pg_restore -j does: dependencies first, no lock fights.

A task may start once every task it depends on is done and no running task holds one of
its tables in a conflicting mode (CREATE INDEX takes SHARE, which is compatible with itself;
everything else here takes a stronger lock). Among ready tasks the highest priority goes first.
The first failure stops the pool: running tasks are cancelled (their transactions roll back),
nothing new starts, and the failure is raised.
"""

from __future__ import annotations

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
    def __init__(self, tasks: list[Task]):
        self.pending = sorted(tasks, key=lambda t: t.priority)
        keys = {t.key for t in tasks}
        self.waiting = {t.key: set(t.deps) & keys for t in tasks}
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
                if self.error is not None or not self.pending:
                    return None
                for i, task in enumerate(self.pending):
                    if not self.waiting[task.key] and not self.conflicts(task):
                        del self.pending[i]
                        self.running[task.key] = task
                        return task
                if not self.running:
                    names = ", ".join(t.key for t in self.pending[:5])
                    self.error = RestoreError(f"restore plan cannot proceed: unresolved dependencies ({names})")
                    return None
                self.cond.wait()

    def finish(self, task: Task, error: BaseException | None) -> None:
        with self.cond:
            del self.running[task.key]
            if error is not None and self.error is None:
                self.error = error
            for waits in self.waiting.values():
                waits.discard(task.key)
            self.cond.notify_all()


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
