"""restore.sh and restore-full.sh, generated into every backup directory.

Plain POSIX sh (dash, busybox, bash): every expansion quoted, no secret in the file (the
target comes from the argument or DATABASE_URL, the password from the URL, PGPASSWORD or
~/.pgpass). Names from the database reach the scripts only as sh single-quoted strings with
control characters escaped, so no name can run a command or write to the terminal.

psql is fed `BEGIN; <script> COMMIT;` rather than run with --single-transaction: psql commits
at end of input whatever it got, so a truncated or corrupt file would be half restored and
committed; here nothing is committed unless the whole file decompressed.
"""

from __future__ import annotations

import os
from pathlib import Path

from .artifacts import FileRecord, Metadata, file_records
from .ddl.quoting import ident

RESTORE = "restore.sh"
RESTORE_FULL = "restore-full.sh"

DECOMPRESS = {"gzip": ("gzip", "gzip -dc"), "zstd": ("zstd", "zstd -dcq"), "none": ("cat", "cat")}

COMMON = r"""set -eu
DIR=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
SCRIPT=@SCRIPT@
PYTHON=${PYTHON:-python3}
TARGET=${1:-${DATABASE_URL:-}}

die() { printf '%s: %s\n' "$ME" "$*" >&2; exit 1; }

[ -n "$TARGET" ] || [ -n "${PGDATABASE:-}${PGHOST:-}${PGSERVICE:-}" ] ||
    die "no target database: give TARGET_URL, or set DATABASE_URL (or PGDATABASE/PGHOST)"

# A psql that knows \restrict (the script's guard against meta-commands, as pg_dump 18 writes):
# 18 and later, and the August 2025 minor releases 17.6, 16.10, 15.14, 14.19, 13.22.
psql_usable() {
    command -v psql >/dev/null 2>&1 || return 1
    command -v @DECOMPRESSOR@ >/dev/null 2>&1 || return 1
    version=$(psql --version 2>/dev/null | sed -n 's/^psql (PostgreSQL) \([0-9][0-9]*\)\.\([0-9][0-9]*\).*/\1 \2/p')
    [ -n "$version" ] || return 1
    set -- $version
    case $1 in
        1[89]|[2-9][0-9]) return 0 ;;
        17) [ "$2" -ge 6 ] ;;
        16) [ "$2" -ge 10 ] ;;
        15) [ "$2" -ge 14 ] ;;
        14) [ "$2" -ge 19 ] ;;
        13) [ "$2" -ge 22 ] ;;
        *) return 1 ;;
    esac
}

python_usable() {
    "$PYTHON" -c 'import engine.restore' >/dev/null 2>&1
}

restore_with_psql() {
    mark="pgbackup-restore-committed-$$"
    if [ -n "$TARGET" ]; then set -- -d "$TARGET"; else set --; fi
    out=$( { printf 'BEGIN;\n'; @DECOMPRESS@ "$DIR/$SCRIPT" && printf 'COMMIT;\n\\echo %s\n' "$mark"; } |
        psql -X -q -v ON_ERROR_STOP=1 "$@" ) || die "psql failed: nothing was restored (rolled back)"
    case $out in
        *"$mark"*) ;;
        *) die "$SCRIPT could not be read to the end: nothing was restored (rolled back)" ;;
    esac
}

restore_with_python() {
    DATABASE_URL=$TARGET "$PYTHON" -m engine restore "$DIR" --single-transaction ||
        die "the pure-Python restore failed: nothing was restored (rolled back)"
}

restore() {
    if psql_usable; then
        printf '%s: restoring %s with psql\n' "$ME" "$SCRIPT" >&2
        restore_with_psql
    elif python_usable; then
        printf '%s: no suitable psql; restoring with %s -m engine\n' "$ME" "$PYTHON" >&2
        restore_with_python
    else
        die "neither a psql that knows \\restrict (with @DECOMPRESSOR@) nor the pgbackup engine (\$PYTHON -m engine) is available"
    fi
}
"""

RESTORE_SH = r"""#!/bin/sh
# Quick restore of this pgbackup backup into an empty database:
#     ./restore.sh [TARGET_URL]        (else DATABASE_URL, else the PG* variables)
# Runs @SCRIPT@ with psql in one transaction when a suitable psql is on PATH, else with the
# pure-Python restore (${PYTHON:-python3} -m engine restore). Nothing secret is stored here:
# give the password with PGPASSWORD or ~/.pgpass rather than in a URL others can see in ps.
ME=restore.sh
@COMMON@
restore
printf '%s: restored %s\n' "$ME" "$SCRIPT" >&2
"""

RESTORE_FULL_SH = r"""#!/bin/sh
# Full restore with verification of this pgbackup backup:
#     ./restore-full.sh [TARGET_URL]   (else DATABASE_URL, else the PG* variables)
# 1. checks the sha256 of every file of the backup (nothing is restored if one differs);
# 2. restores @SCRIPT@ into the target (as restore.sh: psql, else python -m engine restore);
# 3. counts the rows of every table in the target and compares them with row_counts.json
#    (embedded below when the backup was written, and checked by step 1), printing a table;
#    exits non-zero on any mismatch.
ME=restore-full.sh
@COMMON@
TAB=$(printf '\t')

sha256_of() {
    if command -v sha256sum >/dev/null 2>&1; then sha256sum <"$1" | cut -d ' ' -f 1
    elif command -v shasum >/dev/null 2>&1; then shasum -a 256 <"$1" | cut -d ' ' -f 1
    elif command -v openssl >/dev/null 2>&1; then openssl dgst -sha256 <"$1" | sed 's/.*= *//'
    else "$PYTHON" -c 'import hashlib, sys
h = hashlib.sha256()
for block in iter(lambda: sys.stdin.buffer.read(1 << 20), b""):
    h.update(block)
print(h.hexdigest())' <"$1"
    fi
}

checked=0
bad=0
check() {
    if [ ! -f "$DIR/$1" ]; then
        printf '%s: MISSING %s\n' "$ME" "$1" >&2
        bad=$((bad + 1))
        return 0
    fi
    if [ "$(sha256_of "$DIR/$1")" != "$2" ]; then
        printf '%s: CORRUPT %s (sha256 differs from the backup'"'"'s)\n' "$ME" "$1" >&2
        bad=$((bad + 1))
        return 0
    fi
    checked=$((checked + 1))
}

@CHECKS@
[ "$bad" -eq 0 ] || die "$bad file(s) missing or corrupt: nothing restored"
printf '%s: sha256 of %d files ok\n' "$ME" "$checked" >&2

restore

# Expected rows: index, rows, table (as row_counts.json).
EXPECTED=@EXPECTED@
# One query: index and count(*) of every table, identifiers quoted.
COUNT_SQL=@COUNT_SQL@

count_rows() {
    if command -v psql >/dev/null 2>&1; then
        if [ -n "$TARGET" ]; then set -- -d "$TARGET"; else set --; fi
        printf '%s\n' "$COUNT_SQL" | psql -X -q -At -F "$TAB" -v ON_ERROR_STOP=1 "$@" -f -
    else
        printf '%s\n' "$COUNT_SQL" | DATABASE_URL=$TARGET "$PYTHON" -c 'import sys
import psycopg
from engine.config import resolve_conninfo
with psycopg.connect(resolve_conninfo(None)) as conn:
    for index, rows in conn.execute(sys.stdin.read()):
        print(f"{index}\t{rows}")'
    fi
}

[ -n "$EXPECTED" ] || { printf '%s: no table data in this backup; nothing to count\n' "$ME" >&2; exit 0; }
ACTUAL=$(count_rows) || die "could not count the rows in the target"
printf '%s\n--\n%s\n' "$EXPECTED" "$ACTUAL" | awk -F "$TAB" '
    $0 == "--" { part = 2; next }
    part != 2 { n++; key[n] = $1; want[$1] = $2; name[$1] = $3; next }
    { got[$1] = $2 }
    END {
        printf "%-52s %12s %12s  %s\n", "table", "backup", "restored", "status"
        for (i = 1; i <= n; i++) {
            k = key[i]
            g = (k in got) ? got[k] : "-"
            status = (g == want[k]) ? "ok" : "MISMATCH"
            if (status != "ok") bad++
            printf "%-52s %12s %12s  %s\n", name[k], want[k], g, status
        }
        if (bad) { printf "%d of %d tables differ from row_counts.json\n", bad, n; exit 1 }
        printf "all %d tables match row_counts.json\n", n
    }' || exit 1
"""


def sh_quote(text: str) -> str:
    """One sh word holding exactly `text` (single quotes; a quote inside becomes '\\'')."""
    return "'" + text.replace("'", "'\"'\"'") + "'"


def printable(text: str) -> str:
    """A name for a terminal: control characters (and the separators we use) escaped."""
    return "".join(c if " " <= c != "\x7f" and c != "\\" else
                   ("\\\\" if c == "\\" else f"\\x{ord(c):02x}") for c in text)


def _common(metadata: Metadata) -> str:
    tool, command = DECOMPRESS[metadata.compression.method]
    return (COMMON.replace("@SCRIPT@", sh_quote(metadata.script))
            .replace("@DECOMPRESSOR@", tool).replace("@DECOMPRESS@", command))


def render_restore(metadata: Metadata) -> str:
    return RESTORE_SH.replace("@SCRIPT@", metadata.script).replace("@COMMON@", _common(metadata))


def render_restore_full(metadata: Metadata, checksums: list[tuple[str, str]], row_counts: dict[str, int],
                        table_names: dict[str, tuple[str, str]]) -> str:
    """`table_names` maps row_counts.json's `schema.table` labels to (schema, table): names may hold dots."""
    checks = "\n".join(f"check {sh_quote(name)} {sh_quote(sha)}" for name, sha in checksums)
    tables = list(row_counts.items())
    expected = "\n".join(f"{i}\t{rows}\t{printable(name)}" for i, (name, rows) in enumerate(tables, 1))
    parts = []
    for i, (name, _) in enumerate(tables, 1):
        schema, table = table_names[name]
        parts.append(f"SELECT {i}, count(*) FROM ONLY {ident(schema)}.{ident(table)}")
    count_sql = "\nUNION ALL ".join(parts) + ";" if parts else ""
    return (RESTORE_FULL_SH.replace("@COMMON@", _common(metadata)).replace("@SCRIPT@", metadata.script)
            .replace("@CHECKS@", checks).replace("@EXPECTED@", sh_quote(expected))
            .replace("@COUNT_SQL@", sh_quote(count_sql)))


def _write(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o700)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)


def write_restore_scripts(directory: Path, metadata: Metadata, row_counts: dict[str, int],
                          table_names: dict[str, tuple[str, str]], known: dict[str, FileRecord] | None = None) -> None:
    """restore.sh, then restore-full.sh holding the sha256 of every other file but metadata.json
    (`known`: those of files hashed as they were written, see file_records)."""
    _write(directory / RESTORE, render_restore(metadata))
    checksums = [(r.name, r.sha256) for r in file_records(directory, exclude={"metadata.json"}, known=known)]
    _write(directory / RESTORE_FULL, render_restore_full(metadata, checksums, row_counts, table_names))
