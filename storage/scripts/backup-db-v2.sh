#!/bin/sh
# Back up the database into storage/backups/{YYYYmmdd_HHMMSS}/ (pgbackup backup, pure Python).
#
#   storage/scripts/backup-db-v2.sh [options]
#     --no-auth       Exclude auth schema
#     --no-storage    Exclude storage schema
#     --no-transient  Exclude transient data (conversations, tasks, checkpoints)
#     --no-org-data   Exclude org-specific data (marketing, legal, engineering, leads)
#     --prod          Production mode (essential data only, excludes transient + org data)
#     --help          Show usage (every pgbackup backup option works here too)
#
# The database: -d URL, else DATABASE_URL, else the PG* variables. Categories come from
# storage/backup-profile.toml (--profile PATH for another). Runs `pgbackup` from PATH, else
# this project's .venv, else ${PYTHON:-python3} -m engine.
set -eu
ROOT=$(CDPATH='' cd -- "$(dirname -- "$0")/../.." && pwd)
if command -v pgbackup >/dev/null 2>&1; then
    set -- pgbackup backup --output-dir "$ROOT/storage/backups" --profile "$ROOT/storage/backup-profile.toml" "$@"
elif [ -x "$ROOT/.venv/bin/pgbackup" ]; then
    set -- "$ROOT/.venv/bin/pgbackup" backup --output-dir "$ROOT/storage/backups" \
        --profile "$ROOT/storage/backup-profile.toml" "$@"
else
    PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
    export PYTHONPATH
    set -- "${PYTHON:-python3}" -m engine backup --output-dir "$ROOT/storage/backups" \
        --profile "$ROOT/storage/backup-profile.toml" "$@"
fi
exec "$@"
