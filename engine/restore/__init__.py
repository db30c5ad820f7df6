"""The pure-Python restore: no psql, no pg_restore; parallel, FK-safe, resumable or all-or-nothing."""

from .options import RestoreOptions, RestoreResult, TableResult
from .run import run_restore

__all__ = ["RestoreOptions", "RestoreResult", "TableResult", "run_restore"]
