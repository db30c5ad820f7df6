"""What one restore should do, as one typed record (the CLI's flags, pg_restore's names)."""

from __future__ import annotations

import msgspec


class RestoreOptions(msgspec.Struct, frozen=True):
    conninfo: str
    jobs: int = 1
    single_transaction: bool = False  # all or nothing; implies jobs = 1
    clean: bool = False  # drop what the backup creates before creating it
    if_exists: bool = False  # with clean: DROP ... IF EXISTS
    allow_non_empty: bool = False  # skip the empty-target check (tests, data into an existing schema)
    existing_schemas: tuple[str, ...] = ()  # provided by the target: no DDL, data by column name
    from_csv: bool = False  # load data/*.csv into existing tables instead of the script
    no_owner: bool = False
    no_privileges: bool = False
    no_tablespaces: bool = False  # every relation in the target's default tablespace
    role: str | None = None  # SET ROLE on every connection
    verify: bool = False  # also compare each table's content with the backup's COPY block
    sections: tuple[str, ...] = ("pre-data", "data", "post-data")


class TableResult(msgspec.Struct):
    """One table's outcome, one line of the summary."""

    table: str
    expected: int | None  # rows recorded by the backup
    restored: int | None  # rows counted in the target afterwards
    seconds: float = 0.0
    checksum: str | None = None  # with verify: "match" | "MISMATCH" | None

    @property
    def ok(self) -> bool:
        return self.expected == self.restored and self.checksum != "MISMATCH"


class RestoreResult(msgspec.Struct):
    entries: int
    rows: dict[str, int]
    tables: list[TableResult] = []
    warnings: list[str] = []
    seconds: float = 0.0

    @property
    def mismatches(self) -> list[TableResult]:
        return [t for t in self.tables if not t.ok]
