"""Restores into the targets people have: a fresh Supabase project (auth and storage already
there, roles anon/authenticated/service_role), and a server newer than the source."""

from __future__ import annotations

import re
import shutil

import psycopg
import pytest

from engine.devserver import Server
from engine.errors import RestoreError
from engine.restore import RestoreOptions, run_restore

from .fix_server import execute, query
from .fix_tools import backup, schema_dump, sequence_values, table_checksums
from .test_roundtrip import TRICKY

QUIET = {"log": lambda message: None}

ROLES = """
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'anon') THEN CREATE ROLE anon NOLOGIN; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'authenticated') THEN CREATE ROLE authenticated NOLOGIN; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'service_role') THEN CREATE ROLE service_role NOLOGIN; END IF;
END $$;
"""

# What a fresh project provides (abridged): {extra} adds the columns a newer GoTrue has.
PROVIDED = """
CREATE SCHEMA auth; CREATE SCHEMA storage;
CREATE TABLE auth.users (instance_id uuid, id uuid PRIMARY KEY, email text, raw_user_meta_data jsonb,
                         created_at timestamptz DEFAULT now(){extra});
CREATE SEQUENCE auth.refresh_tokens_id_seq;
CREATE TABLE auth.identities (id text PRIMARY KEY, user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
                              provider text NOT NULL);
CREATE TABLE storage.buckets (id text PRIMARY KEY, name text NOT NULL, public boolean DEFAULT false);
CREATE TABLE storage.objects (id uuid PRIMARY KEY, bucket_id text REFERENCES storage.buckets (id), name text,
                              metadata jsonb);
GRANT USAGE ON SCHEMA auth, storage TO anon, authenticated, service_role;
"""

APP = """
CREATE TABLE public.profiles (id uuid PRIMARY KEY REFERENCES auth.users (id) ON DELETE CASCADE, username text UNIQUE);
ALTER TABLE public.profiles ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_profile ON public.profiles FOR SELECT TO authenticated USING (true);
GRANT SELECT ON public.profiles TO anon, authenticated; GRANT ALL ON public.profiles TO service_role;
INSERT INTO auth.users (id, email, raw_user_meta_data, created_at)
  SELECT ('00000000-0000-0000-0000-' || lpad(g::text, 12, '0'))::uuid, 'u' || g || '@x.io', '{"n": 1}',
         '2026-01-01 00:00:00+00'::timestamptz + g * interval '1 hour'
  FROM generate_series(1, 50) g;
INSERT INTO auth.identities SELECT 'i' || id, id, 'email' FROM auth.users;
INSERT INTO storage.buckets VALUES ('avatars', 'avatars', true);
INSERT INTO storage.objects SELECT id, 'avatars', email || '.png', '{}' FROM auth.users;
INSERT INTO public.profiles SELECT id, email FROM auth.users;
SELECT setval('auth.refresh_tokens_id_seq', 77);
"""

# A fresh project's trigger on auth.users (as handle_new_user): must not fire while restoring rows.
TARGET_TRIGGER = """
CREATE FUNCTION auth.on_new_user() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'a trigger of the target fired'; END $$;
CREATE TRIGGER on_auth_user_created AFTER INSERT ON auth.users FOR EACH ROW EXECUTE FUNCTION auth.on_new_user();
"""

USER_COLUMNS = "SELECT id, email, raw_user_meta_data::text, created_at FROM auth.users ORDER BY id"


@pytest.fixture
def supabase_source(source, server):
    execute(server.dsn(), ROLES)
    execute(source, PROVIDED.format(extra="") + APP)
    return source


@pytest.fixture
def fresh_project(target, server):
    execute(server.dsn(), ROLES)
    execute(target, PROVIDED.format(extra=", is_sso_user boolean NOT NULL DEFAULT false") + TARGET_TRIGGER)
    return target


@pytest.mark.parametrize("jobs", [1, 3])
def test_into_a_fresh_supabase_project(supabase_source, fresh_project, tmp_path, jobs):
    result = backup(supabase_source, tmp_path)
    restored = run_restore(result.directory, RestoreOptions(fresh_project, jobs=jobs, verify=True,
                                                            existing_schemas=("auth", "storage")), **QUIET)
    assert restored.mismatches == []
    assert query(fresh_project, USER_COLUMNS) == query(supabase_source, USER_COLUMNS)
    assert query(fresh_project, "SELECT count(*), bool_and(NOT is_sso_user) FROM auth.users") == [(50, True)]
    for table in ("auth.identities", "storage.objects", "storage.buckets", "public.profiles"):
        assert table_checksums(fresh_project)[table] == table_checksums(supabase_source)[table]
    assert sequence_values(fresh_project)["auth.refresh_tokens_id_seq"] == (77,)
    # The app's own objects came with their FK into auth, RLS, policy and grants.
    assert query(fresh_project, """SELECT confrelid::regclass::text FROM pg_constraint
                                   WHERE conrelid = 'public.profiles'::regclass AND contype = 'f'""") == [("auth.users",)]
    assert query(fresh_project, "SELECT relrowsecurity FROM pg_class WHERE oid = 'public.profiles'::regclass") == [
        (True,)]
    assert query(fresh_project, "SELECT has_table_privilege('anon', 'public.profiles', 'SELECT')") == [(True,)]
    # The provided schema was not touched: its extra column and trigger are still there.
    assert query(fresh_project, "SELECT count(*) FROM pg_trigger WHERE tgname = 'on_auth_user_created'") == [(1,)]


def test_missing_target_column_is_a_clear_error(supabase_source, target, tmp_path, server):
    execute(target, PROVIDED.format(extra="").replace("email text, ", ""))
    result = backup(supabase_source, tmp_path)
    with pytest.raises(RestoreError, match=r"auth.users in the target lacks column\(s\) email"):
        run_restore(result.directory, RestoreOptions(target, existing_schemas=("auth", "storage")), **QUIET)
    assert query(target, "SELECT to_regclass('public.profiles') IS NULL") == [(True,)]  # checked before writing


def test_missing_existing_schema_is_a_clear_error(supabase_source, target, tmp_path):
    result = backup(supabase_source, tmp_path)
    with pytest.raises(RestoreError, match="schema auth does not exist in the target"):
        run_restore(result.directory, RestoreOptions(target, existing_schemas=("auth", "storage")), **QUIET)


@pytest.mark.skipif(shutil.which("npm") is None, reason="PostgreSQL 12 is fetched with npm")
def test_older_source_into_newer_server(tmp_path, bindir):
    with Server.start("12") as old, Server.start("18") as new:
        for srv, name in ((old, "src"), (new, "dst")):
            with psycopg.connect(srv.dsn(), autocommit=True) as conn:
                conn.execute(f"CREATE DATABASE {name}")
        source, target = old.dsn("src"), new.dsn("dst")
        execute(source, TRICKY)
        result = backup(source, tmp_path, jobs=2)
        restored = run_restore(result.directory, RestoreOptions(target, jobs=2, verify=True), **QUIET)
        assert restored.mismatches == []
        assert table_checksums(target) == table_checksums(source)
        assert sequence_values(target) == sequence_values(source)
        assert _without_version(schema_dump(bindir, target)) == _without_version(schema_dump(bindir, source))


def _without_version(dump: str) -> str:
    return re.sub(r"^-- Dumped from database version .*$", "", dump, flags=re.M)
