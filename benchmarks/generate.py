"""A benchmark database with the shape of a real one, generated on the server.

Scale 1 is about 100 MB of COPY text: one narrow many-row table much larger than the rest
(`bench.events`, ~60%), a narrow medium one (`bench.accounts`), wide text + jsonb rows
(`bench.documents`), bytea (`bench.attachments`) and a few small lookup tables. Text is made
of words drawn at random from a vocabulary (not repeated strings), numbers and timestamps are
random, so gzip compresses the whole by 3-6x, as it does real application data.

    python -m benchmarks.generate --scale 20 -d "host=... dbname=bench"
"""

from __future__ import annotations

import argparse
import sys
import time

import psycopg

# Rows per unit of scale.
EVENTS = 600_000
ACCOUNTS = 60_000
DOCUMENTS = 15_000
ATTACHMENTS = 1_800
BATCH = 500_000

SCHEMA = """
CREATE SCHEMA bench;
CREATE TABLE bench.countries (code char(2) PRIMARY KEY, name text NOT NULL);
CREATE TABLE bench.plans (id smallint PRIMARY KEY, name text NOT NULL, monthly numeric(8,2) NOT NULL);
CREATE TABLE bench.words (id int PRIMARY KEY, w text NOT NULL);
CREATE TABLE bench.accounts (
    id int PRIMARY KEY, email text NOT NULL, full_name text NOT NULL, country char(2) REFERENCES bench.countries,
    plan_id smallint REFERENCES bench.plans, balance numeric(12,2) NOT NULL, created_at timestamptz NOT NULL,
    active boolean NOT NULL);
CREATE TABLE bench.events (
    id bigint PRIMARY KEY, account_id int NOT NULL, kind text NOT NULL, at timestamptz NOT NULL,
    amount numeric(12,2), status smallint NOT NULL, session uuid NOT NULL);
CREATE TABLE bench.documents (
    id int PRIMARY KEY, account_id int NOT NULL, title text NOT NULL, body text NOT NULL, attrs jsonb NOT NULL,
    updated_at timestamptz NOT NULL);
CREATE TABLE bench.attachments (id int PRIMARY KEY, document_id int NOT NULL, mime text NOT NULL, content bytea);
"""

LOOKUPS = """
INSERT INTO bench.countries
SELECT upper(chr(97 + g / 26) || chr(97 + g % 26)), 'Country ' || g FROM generate_series(0, 199) g;
INSERT INTO bench.plans VALUES (1, 'free', 0), (2, 'starter', 9), (3, 'team', 29), (4, 'business', 99),
                               (5, 'enterprise', 499);
-- 6000 pronounceable pseudo-words of 2-5 syllables: a vocabulary, not repeated strings.
INSERT INTO bench.words
SELECT g, string_agg((ARRAY['ka','lo','mi','ne','ra','su','ti','vo','be','da','fi','go','hu','je','pa','qu',
                            'ro','se','to','ul','an','er','in','on','st','tr','ch','sh','th','pl'])
                     [1 + floor(random() * 30)::int], '')
FROM generate_series(1, 6000) g, generate_series(1, 2 + (g % 4)) s GROUP BY g;
"""


POOL = 20_000  # sentences, each picked many times: text repeats as in real data, beyond gzip's window


def _words(count: int) -> str:
    """SQL for `count` words from the vocabulary array `v` of n words, frequent words first
    (a skewed pick, roughly as word frequencies go; also keeps array subscripting cheap)."""
    return "(" + " || ' ' || ".join("v[1 + floor(n * random() ^ 3)::int]" for _ in range(count)) + ")"


def _pool_pick(k: int) -> str:
    """The k-th random sentence of this row, from the `picks` drawn by the LATERAL below."""
    return f"(SELECT s FROM bench_pool WHERE id = picks[{k + 1}])"


def _picks(count: int, row: str) -> str:
    """Per-row random pool indexes (an int array: O(1) subscripts); referencing the row keeps
    the planner from computing it once for all rows."""
    return (f"CROSS JOIN LATERAL (SELECT array_agg(1 + floor(random() * {POOL})::int) AS picks "
            f"FROM generate_series(1, {count}) WHERE {row} > 0) pk")


def statements(scale: float):
    """(label, SQL) pairs that fill the tables; big ones in batches so progress shows."""
    vocab = "(SELECT array_agg(w ORDER BY id) AS v, count(*)::int AS n FROM bench.words) voc"
    names = ("(SELECT array_agg(w ORDER BY id) FILTER (WHERE id <= 200) AS fn, "
             "array_agg(w ORDER BY id) FILTER (WHERE id > 200 AND id <= 700) AS ln FROM bench.words) nm")
    yield "lookups", LOOKUPS
    yield "sentence pool", f"""
        CREATE TEMPORARY TABLE bench_pool AS
        SELECT g AS id, {_words(7)} || ', ' || {_words(7)} AS s FROM generate_series(1, {POOL}) g, {vocab};
        CREATE UNIQUE INDEX ON bench_pool (id); ANALYZE bench_pool"""
    accounts = int(ACCOUNTS * scale)
    yield "accounts", f"""
        INSERT INTO bench.accounts
        SELECT g, lower(fn[1 + g % 200]) || '.' || lower(ln[1 + (g * 7) % 500]) || g || '@' ||
                  (ARRAY['example.com','mail.test','corp.invalid','post.example'])[1 + g % 4],
               initcap(fn[1 + floor(random() * 200)::int]) || ' ' || initcap(ln[1 + floor(random() * 500)::int]),
               upper(chr(97 + (g % 200) / 26) || chr(97 + (g % 200) % 26)), 1 + (g % 5),
               round((random() * 10000)::numeric, 2),
               timestamptz '2020-01-01' + random() * interval '2000 days', random() < 0.9
        FROM generate_series(1, {accounts}) g, {names}"""
    events = int(EVENTS * scale)
    for start in range(1, events + 1, BATCH):
        stop = min(events, start + BATCH - 1)
        yield f"events {start}-{stop}", f"""
            INSERT INTO bench.events
            SELECT g, 1 + floor(random() * {accounts})::int,
                   (ARRAY['page_view','click','signup','login','logout','purchase','refund','search',
                          'add_to_cart','share','comment','upload'])[1 + floor(random() * 12)::int],
                   timestamptz '2024-01-01' + (g::float8 / {events}) * interval '365 days'
                       + random() * interval '60 s',
                   CASE WHEN random() < 0.3 THEN round((random() * 500)::numeric, 2) END,
                   (ARRAY[200, 200, 200, 200, 201, 204, 301, 404, 500])[1 + floor(random() * 9)::int],
                   md5(((g::bigint / 40) * 7919)::text)::uuid
            FROM generate_series({start}, {stop}) g"""
    docs = int(DOCUMENTS * scale)
    for start in range(1, docs + 1, BATCH // 10):
        stop = min(docs, start + BATCH // 10 - 1)
        yield f"documents {start}-{stop}", f"""
            INSERT INTO bench.documents
            SELECT g, 1 + floor(random() * {accounts})::int, initcap({_words(5)}),
                   {" || '. ' || ".join(_pool_pick(k) for k in range(10))} || '.',
                   jsonb_build_object('lang', (ARRAY['en','de','fr','es'])[1 + g % 4], 'words', 140,
                                      'tags', jsonb_build_array(v[1 + floor(n * random() ^ 2)::int], v[1 + g % 50]),
                                      'score', round((random() * 100)::numeric, 1), 'draft', random() < 0.2,
                                      'summary', {_pool_pick(11)}),
                   timestamptz '2023-01-01' + random() * interval '700 days'
            FROM generate_series({start}, {stop}) g CROSS JOIN {vocab} {_picks(12, "g")}"""
    attachments = int(ATTACHMENTS * scale)
    # Mostly text-like (compresses well), a tail of random bytes (does not): like real uploads.
    yield "attachments", f"""
        INSERT INTO bench.attachments
        SELECT g, 1 + floor(random() * {docs})::int,
               (ARRAY['text/plain','application/pdf','image/png','application/json'])[1 + g % 4],
               convert_to({" || ' ' || ".join(_pool_pick(k) for k in range(24))}, 'UTF8')
               || decode(repeat(md5(random()::text), 16), 'hex')
        FROM generate_series(1, {attachments}) g {_picks(24, "g")}"""
    yield "analyze", "VACUUM ANALYZE"


def many_tables(count: int) -> str:
    """A wide catalog: `count` small tables (schema `many`), each with a primary key, an index,
    a comment, a few rows, and every tenth a foreign key to its predecessor: the catalog-reading
    and planning cost of a large schema, with almost no data."""
    return f"""
        CREATE SCHEMA many;
        DO $$
        BEGIN
          FOR i IN 1..{count} LOOP
            EXECUTE format('CREATE TABLE many.t%s (id int PRIMARY KEY, name text NOT NULL, at timestamptz, ref int%s)',
                           i, CASE WHEN i % 10 = 0 THEN format(' REFERENCES many.t%s', i - 1) ELSE '' END);
            EXECUTE format('CREATE INDEX ON many.t%s (name)', i);
            EXECUTE format('COMMENT ON TABLE many.t%s IS %L', i, 'table number ' || i);
            EXECUTE format('INSERT INTO many.t%s SELECT g, md5(g::text), now(), CASE WHEN %s THEN g END
                            FROM generate_series(1, 3) g', i, i % 10 = 0);
          END LOOP;
        END $$"""


def generate(conninfo: str, scale: float, log=print, tables: int = 0) -> None:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = 'bench'").fetchone()
        if exists:
            raise SystemExit("schema bench already exists in this database; use a fresh database")
        conn.execute(SCHEMA)
        work = list(statements(scale))
        if tables:
            work.insert(-1, (f"{tables} more tables", many_tables(tables)))
        for label, statement in work:
            started = time.monotonic()
            conn.execute(statement)
            log(f"  {label}: {time.monotonic() - started:.1f}s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-d", "--dbname", required=True, help="connection string of an empty database")
    parser.add_argument("--scale", type=float, default=1.0, help="1 = about 100 MB of COPY text")
    parser.add_argument("--many-tables", type=int, default=0, metavar="N",
                        help="also N small tables in schema many (e.g. 10000: a large catalog)")
    args = parser.parse_args(argv)
    generate(args.dbname, args.scale, log=lambda m: print(m, file=sys.stderr), tables=args.many_tables)
    return 0


if __name__ == "__main__":
    sys.exit(main())
