"""`pgbackup backup --dry-run`: the plan as a table, from the live catalog, nothing written."""

from __future__ import annotations

from .backup import Prepared


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def render_plan(prep: Prepared) -> str:
    """Every table: category, whether its schema (DDL) and its rows are in, FK rank, estimated size."""
    catalog, cats = prep.catalog, prep.categorized
    chosen = cats.chosen
    rank = {t.oid: i for i, t in enumerate(prep.plan.data_tables, 1)}
    backed = {t.oid for t in prep.data_tables}
    csv = {t.oid for t in prep.csv_tables}
    tables = [t for t in catalog.tables if t.relkind in ("r", "p", "f")]
    tables.sort(key=lambda t: (rank.get(t.oid, 1 << 30), t.schema, t.name))
    rows = [("rank", "table", "category", "schema", "data", "csv", "est. size", "why left out")]
    for t in tables:
        dropped = chosen.excluded_tables.get(t.oid)
        data_out = chosen.excluded_data.get(t.oid)
        if t.oid in backed:
            data = "yes"
        elif t.relkind == "p":
            data = "-"  # rows live in the partitions
        else:
            data = "no"
        rows.append((str(rank[t.oid]) if t.oid in rank else "-", f"{t.schema}.{t.name}", cats.category_of[t.oid],
                     "no" if dropped else "yes", data, "yes" if t.oid in csv else "",
                     human_size(t.size_bytes), dropped or data_out or ""))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [f"plan for database {catalog.database} (server {catalog.server_version}), profile {prep.profile.path}"]
    excluded = ", ".join(f"{name} ({why})" for name, why in cats.excluded.items()) or "none"
    lines.append(f"excluded categories: {excluded}")
    lines.append("")
    for r in rows:
        lines.append("  ".join(cell.rjust(widths[i]) if i == 0 else cell.ljust(widths[i])
                               for i, cell in enumerate(r)).rstrip())
    size = sum(t.size_bytes for t in catalog.tables if t.oid in backed)
    lines.append("")
    lines.append(f"{len(tables)} tables, rows of {len(prep.data_tables)} backed up (~{human_size(size)} on the server), "
                 f"{len(prep.csv_tables)} exported as CSV; {len(prep.entries)} script entries")
    warnings = chosen.warnings + cats.warnings + cats.dangling
    if warnings:
        lines.append("")
        lines.append("warnings:")
        lines.extend(f"  {w}" for w in warnings)
    return "\n".join(lines)
