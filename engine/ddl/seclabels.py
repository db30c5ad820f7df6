"""SECURITY LABEL statements, for any object pg_identify_object can name."""

from __future__ import annotations

from ..catalog.seclabels import SecurityLabel
from .quoting import ident, literal


def object_kind(label: SecurityLabel) -> str:
    """pg_identify_object's type -> the keyword SECURITY LABEL and COMMENT take ('table column' -> COLUMN)."""
    return "COLUMN" if label.type.endswith(" column") else label.type.upper()


def security_label(label: SecurityLabel) -> str:
    return (f"SECURITY LABEL FOR {ident(label.provider)} ON {object_kind(label)} {label.identity}"
            f" IS {literal(label.label)};\n")
