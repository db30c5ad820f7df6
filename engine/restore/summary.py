"""The summary table a restore prints: one line per table, expected against restored."""

from __future__ import annotations

from .options import RestoreResult


def summary_lines(result: RestoreResult) -> list[str]:
    verify = any(t.checksum is not None for t in result.tables)
    header = ["table", "backup rows", "restored rows", "seconds"] + (["content"] if verify else []) + ["status"]
    rows = [[t.table, _n(t.expected), _n(t.restored), f"{t.seconds:.2f}"]
            + ([t.checksum or "-"] if verify else []) + ["ok" if t.ok else "MISMATCH"] for t in result.tables]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    right = {1, 2, 3}
    fmt = lambda r: "  ".join(c.rjust(w) if i in right else c.ljust(w)  # noqa: E731
                              for i, (c, w) in enumerate(zip(r, widths))).rstrip()
    lines = [fmt(header), fmt(["-" * w for w in widths])] + [fmt(r) for r in rows]
    total = sum(t.restored or 0 for t in result.tables)
    bad = len(result.mismatches)
    lines.append(f"restored {result.entries} entries, {len(result.tables)} tables, {total:,} rows in "
                 f"{result.seconds:.1f}s; " + (f"{bad} MISMATCH(ES)" if bad else "all row counts match"
                                                + (" and contents match" if verify else "")))
    return lines


def _n(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"
