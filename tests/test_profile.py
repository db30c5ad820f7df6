"""The backup profile: the default reproduces the seed, and every mistake is one line naming file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import profile
from engine.errors import ProfileError

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT / "storage" / "backup-profile.toml"


def test_packaged_default_is_the_storage_profile():
    assert profile.PACKAGED_PATH.read_bytes() == DEFAULT.read_bytes()


def test_default_reproduces_the_seed():
    p = profile.parse(DEFAULT.read_bytes(), "p.toml")
    cats = {c.name: c for c in p.category}
    assert list(cats) == ["core", "auth", "storage", "org_data", "transient"]
    assert p.default_category == "core"
    assert (cats["auth"].exclusion, cats["auth"].schemas) == ("schema", ["auth"])
    assert (cats["storage"].exclusion, cats["storage"].schemas) == ("schema", ["storage"])
    assert cats["org_data"].exclusion == "data" and not cats["org_data"].prod
    assert cats["org_data"].schemas == ["marketing", "law", "engineering", "leads", "company_data", "risk"]
    assert cats["transient"].exclusion == "data" and not cats["transient"].prod
    assert [t.split(".")[1] for t in cats["transient"].tables] == [
        "conversations", "tasks", "plans", "deliverables", "checkpoints", "llm_usage"]
    assert cats["core"].exclusion == "never" and cats["core"].prod
    assert "prediction.signals" in p.csv.tables and "rag.rag_documents" in p.csv.tables


def _error(text: str) -> str:
    with pytest.raises(ProfileError) as info:
        profile.parse(text.encode(), "my.toml")
    message = str(info.value)
    assert "\n" not in message
    return message


GOOD = """version = 1
default_category = "core"

[[category]]
name = "core"
exclusion = "never"

[[category]]
name = "logs"
exclusion = "data"
tables = ["public.log_*"]
"""


def test_good_profile_parses():
    p = profile.parse(GOOD.encode(), "my.toml")
    assert p.get("logs").tables == ["public.log_*"] and p.path == "my.toml"


@pytest.mark.parametrize("change, where, says", [
    (('exclusion = "data"', 'exclusion = "rows"'), "my.toml:10", "Invalid enum value 'rows'"),
    (('tables = ["public.log_*"]', 'tables = "public.log_*"'), "my.toml:11", "Expected `array`"),
    (('name = "logs"', 'name = "logs"\ncolour = "red"'), "my.toml:10", "unknown field `colour`"),
    (('exclusion = "data"', 'exclusion = data'), "my.toml:10", "invalid TOML"),
    (('default_category = "core"', 'default_category = "main"'), "my.toml:2", "not a declared category"),
    (('name = "logs"', 'name = "core"'), "my.toml:9", "declared twice"),
    (('"public.log_*"', '"public.\\"log_*"'), "my.toml:11", "unterminated quote"),
    (('version = 1', 'version = 7'), "my.toml:1", "unsupported profile version 7"),
])
def test_invalid_profile_names_file_and_line(change, where, says):
    message = _error(GOOD.replace(*change))
    assert message.startswith(where + ":"), message
    assert says in message


def test_missing_profile_file_is_a_usage_error(tmp_path):
    from engine.errors import UsageError

    with pytest.raises(UsageError, match="cannot read profile .*nope.toml"):
        profile.load(str(tmp_path / "nope.toml"))
