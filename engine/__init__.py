"""pgbackup: a pure-Python PostgreSQL backup engine."""

__version__ = "0.1.0"
