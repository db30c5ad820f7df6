"""One exception hierarchy: every error a user can cause carries a one-line message."""


class EngineError(Exception):
    """Base of all errors the CLI reports on one line with a non-zero exit."""

    exit_code = 1


class UsageError(EngineError):
    """Bad options or arguments."""

    exit_code = 2


class ConnectionFailed(EngineError):
    """The server could not be reached or refused us."""


class CatalogError(EngineError):
    """The catalog holds something we cannot back up faithfully."""


class BackupError(EngineError):
    """A backup could not be completed; nothing was left under the final name."""


class RestoreError(EngineError):
    """A restore failed; the message names the statement and object."""


class VerifyError(EngineError):
    """A backup or a restored database does not match what was recorded."""


class ProfileError(UsageError):
    """The backup profile (TOML) is invalid; the message names the file and line."""
