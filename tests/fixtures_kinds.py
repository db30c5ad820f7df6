"""The fixture set for every object kind beyond tables: (minimum major, SQL) pieces.

Base types, operators, casts and the like are built on internal functions of the server
itself (int4in, int4eq...), so no C compiler or extra library is needed.
"""

ROLES = """
DO $$ BEGIN CREATE ROLE kinds_owner; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
DO $$ BEGIN CREATE ROLE kinds_reader; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
"""

PIECES: list[tuple[int, str]] = [
    (12, r"""
CREATE SCHEMA kinds;
CREATE SCHEMA kinds_pubschema;
CREATE EXTENSION hstore WITH SCHEMA kinds;
CREATE TABLE kinds.uses_ext (id int PRIMARY KEY, h kinds.hstore);

-- base types: shell, I/O functions, full definition
CREATE TYPE kinds.myint;
CREATE FUNCTION kinds.myint_in(cstring) RETURNS kinds.myint LANGUAGE internal IMMUTABLE STRICT AS 'int4in';
CREATE FUNCTION kinds.myint_out(kinds.myint) RETURNS cstring LANGUAGE internal IMMUTABLE STRICT AS 'int4out';
CREATE FUNCTION kinds.myint_recv(internal) RETURNS kinds.myint LANGUAGE internal IMMUTABLE STRICT AS 'int4recv';
CREATE FUNCTION kinds.myint_send(kinds.myint) RETURNS bytea LANGUAGE internal IMMUTABLE STRICT AS 'int4send';
CREATE TYPE kinds.myint (INPUT = kinds.myint_in, OUTPUT = kinds.myint_out, RECEIVE = kinds.myint_recv,
    SEND = kinds.myint_send, INTERNALLENGTH = 4, PASSEDBYVALUE, ALIGNMENT = int4, STORAGE = plain,
    CATEGORY = 'N', DEFAULT = '0');
COMMENT ON TYPE kinds.myint IS 'a base type';
CREATE TYPE kinds.mytext;
CREATE FUNCTION kinds.mytext_in(cstring) RETURNS kinds.mytext LANGUAGE internal IMMUTABLE STRICT AS 'textin';
CREATE FUNCTION kinds.mytext_out(kinds.mytext) RETURNS cstring LANGUAGE internal IMMUTABLE STRICT AS 'textout';
CREATE TYPE kinds.mytext (INPUT = kinds.mytext_in, OUTPUT = kinds.mytext_out, INTERNALLENGTH = VARIABLE,
    STORAGE = extended, COLLATABLE = true, DELIMITER = ';', CATEGORY = 'S');
ALTER TYPE kinds.mytext OWNER TO kinds_owner;
CREATE TYPE kinds.just_a_shell;

-- range types, one with a canonical function (the same shell loop)
CREATE TYPE kinds.floatrange AS RANGE (subtype = float8, subtype_diff = float8mi);
CREATE TYPE kinds.textrange AS RANGE (subtype = text, collation = "C");
CREATE TYPE kinds.intrange;
CREATE FUNCTION kinds.intrange_canon(kinds.intrange) RETURNS kinds.intrange
    LANGUAGE internal IMMUTABLE STRICT AS 'int4range_canonical';
CREATE TYPE kinds.intrange AS RANGE (subtype = int4, canonical = kinds.intrange_canon);
COMMENT ON TYPE kinds.floatrange IS 'a range';
REVOKE USAGE ON TYPE kinds.floatrange FROM PUBLIC;
GRANT USAGE ON TYPE kinds.floatrange TO kinds_reader;
CREATE TABLE kinds.uses_types (id int PRIMARY KEY, v kinds.myint, r kinds.floatrange, t kinds.mytext,
    ir kinds.intrange);
INSERT INTO kinds.uses_types VALUES (1, '7', '[1.5,2.5)', 'abc', NULL);

-- domains: a constraint calling a function (its pg_depend edge starts at the constraint); NOT VALID
CREATE FUNCTION kinds.is_even(int) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT $1 % 2 = 0';
CREATE DOMAIN kinds.even AS int CONSTRAINT even_check CHECK (kinds.is_even(VALUE));
ALTER DOMAIN kinds.even ADD CONSTRAINT positive CHECK (VALUE > 0) NOT VALID;
COMMENT ON CONSTRAINT even_check ON DOMAIN kinds.even IS 'a domain constraint';

-- collations and conversions
CREATE COLLATION kinds.c_coll (provider = libc, locale = 'C');
CREATE COLLATION kinds.split_coll (provider = libc, lc_collate = 'C', lc_ctype = 'POSIX');
COMMENT ON COLLATION kinds.c_coll IS 'a collation';
DO $$ BEGIN
    CREATE COLLATION kinds.icu_ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
EXCEPTION WHEN feature_not_supported THEN NULL; END $$;
CREATE CONVERSION kinds.myconv FOR 'LATIN1' TO 'UTF8' FROM iso8859_1_to_utf8;
COMMENT ON CONVERSION kinds.myconv IS 'a conversion';

-- aggregates: moving, parallel/combine, serial/deserial, sortop, ordered-set, hypothetical, (*)
CREATE FUNCTION kinds.sum_sfunc(bigint, int) RETURNS bigint LANGUAGE sql IMMUTABLE
    AS 'SELECT coalesce($1, 0) + coalesce($2, 0)';
CREATE FUNCTION kinds.sum_inv(bigint, int) RETURNS bigint LANGUAGE sql IMMUTABLE AS 'SELECT $1 - coalesce($2, 0)';
CREATE AGGREGATE kinds.mysum(int) (SFUNC = kinds.sum_sfunc, STYPE = bigint, INITCOND = '0',
    COMBINEFUNC = int8pl, PARALLEL = SAFE, MSFUNC = kinds.sum_sfunc, MINVFUNC = kinds.sum_inv,
    MSTYPE = bigint, MINITCOND = '0');
CREATE AGGREGATE kinds.myavg(numeric) (SFUNC = numeric_avg_accum, STYPE = internal, FINALFUNC = numeric_avg,
    COMBINEFUNC = numeric_avg_combine, SERIALFUNC = numeric_avg_serialize,
    DESERIALFUNC = numeric_avg_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE kinds.mymax(int) (SFUNC = int4larger, STYPE = int4, SORTOP = >);
CREATE AGGREGATE kinds.mycount(*) (SFUNC = int8inc, STYPE = int8, INITCOND = '0');
CREATE FUNCTION kinds.os_sfunc(float8[], float8) RETURNS float8[] LANGUAGE sql IMMUTABLE
    AS 'SELECT array_append($1, $2)';
CREATE FUNCTION kinds.os_final(float8[], float8, float8) RETURNS float8 LANGUAGE sql IMMUTABLE AS 'SELECT $2';
CREATE AGGREGATE kinds.my_percentile(float8 ORDER BY float8) (SFUNC = kinds.os_sfunc, STYPE = float8[],
    FINALFUNC = kinds.os_final, FINALFUNC_EXTRA, INITCOND = '{}');
CREATE AGGREGATE kinds.my_rank(float8 ORDER BY float8) (SFUNC = kinds.os_sfunc, STYPE = float8[],
    FINALFUNC = kinds.os_final, FINALFUNC_EXTRA, FINALFUNC_MODIFY = READ_ONLY, INITCOND = '{}', HYPOTHETICAL);
COMMENT ON AGGREGATE kinds.my_percentile(float8 ORDER BY float8) IS 'ordered-set';
REVOKE EXECUTE ON FUNCTION kinds.my_percentile(float8, float8) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION kinds.my_percentile(float8, float8) TO kinds_reader;
ALTER AGGREGATE kinds.mysum(int) OWNER TO kinds_owner;

-- window functions, procedures, function options
CREATE FUNCTION kinds.my_row_number() RETURNS bigint WINDOW LANGUAGE internal AS 'window_row_number';
CREATE PROCEDURE kinds.proc(a int, INOUT b int) LANGUAGE plpgsql AS $$ BEGIN b := a; END $$;
COMMENT ON PROCEDURE kinds.proc(int, int) IS 'a procedure';
CREATE FUNCTION kinds.opts(int) RETURNS SETOF int LANGUAGE sql STABLE STRICT SECURITY DEFINER LEAKPROOF
    PARALLEL SAFE COST 5 ROWS 3 SET search_path = pg_catalog AS 'SELECT $1';
CREATE FUNCTION kinds.with_support(int, int) RETURNS SETOF int LANGUAGE internal IMMUTABLE
    SUPPORT generate_series_int4_support AS 'generate_series_int4';

-- operators (prefix too), a default btree class, a family with loose cross-type members
CREATE FUNCTION kinds.myint_eq(kinds.myint, kinds.myint) RETURNS bool LANGUAGE internal IMMUTABLE STRICT AS 'int4eq';
CREATE FUNCTION kinds.myint_ne(kinds.myint, kinds.myint) RETURNS bool LANGUAGE internal IMMUTABLE STRICT AS 'int4ne';
CREATE FUNCTION kinds.myint_lt(kinds.myint, kinds.myint) RETURNS bool LANGUAGE internal IMMUTABLE STRICT AS 'int4lt';
CREATE FUNCTION kinds.myint_gt(kinds.myint, kinds.myint) RETURNS bool LANGUAGE internal IMMUTABLE STRICT AS 'int4gt';
CREATE FUNCTION kinds.myint_cmp(kinds.myint, kinds.myint) RETURNS int LANGUAGE internal IMMUTABLE STRICT
    AS 'btint4cmp';
CREATE OPERATOR kinds.= (LEFTARG = kinds.myint, RIGHTARG = kinds.myint, FUNCTION = kinds.myint_eq,
    COMMUTATOR = OPERATOR(kinds.=), NEGATOR = OPERATOR(kinds.<>), RESTRICT = eqsel, JOIN = eqjoinsel, MERGES);
CREATE OPERATOR kinds.<> (LEFTARG = kinds.myint, RIGHTARG = kinds.myint, FUNCTION = kinds.myint_ne,
    COMMUTATOR = OPERATOR(kinds.<>), NEGATOR = OPERATOR(kinds.=), RESTRICT = neqsel, JOIN = neqjoinsel);
CREATE OPERATOR kinds.< (LEFTARG = kinds.myint, RIGHTARG = kinds.myint, FUNCTION = kinds.myint_lt,
    COMMUTATOR = OPERATOR(kinds.>), RESTRICT = scalarltsel, JOIN = scalarltjoinsel);
CREATE OPERATOR kinds.> (LEFTARG = kinds.myint, RIGHTARG = kinds.myint, FUNCTION = kinds.myint_gt,
    COMMUTATOR = OPERATOR(kinds.<), RESTRICT = scalargtsel, JOIN = scalargtjoinsel);
CREATE OPERATOR kinds.!# (RIGHTARG = int, FUNCTION = int4abs);
COMMENT ON OPERATOR kinds.< (kinds.myint, kinds.myint) IS 'less than';
CREATE OPERATOR CLASS kinds.myint_ops DEFAULT FOR TYPE kinds.myint USING btree AS
    OPERATOR 1 kinds.<, OPERATOR 3 kinds.=, OPERATOR 5 kinds.>, FUNCTION 1 kinds.myint_cmp(kinds.myint, kinds.myint);
COMMENT ON OPERATOR CLASS kinds.myint_ops USING btree IS 'an operator class';
CREATE INDEX uses_types_v_idx ON kinds.uses_types (v);
CREATE OPERATOR FAMILY kinds.cross_ops USING btree;
CREATE OPERATOR CLASS kinds.int4_alt_ops FOR TYPE int4 USING btree FAMILY kinds.cross_ops AS
    OPERATOR 1 <, OPERATOR 3 =, OPERATOR 5 >, FUNCTION 1 btint4cmp(int4, int4);
ALTER OPERATOR FAMILY kinds.cross_ops USING btree ADD
    OPERATOR 1 < (int4, int8), OPERATOR 3 = (int4, int8), FUNCTION 1 btint48cmp(int4, int8);
COMMENT ON OPERATOR FAMILY kinds.cross_ops USING btree IS 'a family';
CREATE OPERATOR CLASS kinds.no_members_ops FOR TYPE int4 USING btree FAMILY kinds.cross_ops AS STORAGE int4;
CREATE OPERATOR CLASS kinds.point_box_ops FOR TYPE point USING gist AS
    OPERATOR 15 <->(point, point) FOR ORDER BY float_ops, FUNCTION 1 gist_point_consistent(internal, point, smallint, oid, internal),
    FUNCTION 2 gist_box_union(internal, internal), FUNCTION 3 gist_point_compress(internal),
    FUNCTION 5 gist_box_penalty(internal, internal, internal), FUNCTION 6 gist_box_picksplit(internal, internal),
    FUNCTION 7 gist_box_same(box, box, internal), STORAGE box;

-- access methods (table and index) on the built-in handlers, an operator class for one, their users
CREATE ACCESS METHOD kinds_heap TYPE TABLE HANDLER heap_tableam_handler;
COMMENT ON ACCESS METHOD kinds_heap IS 'an access method';
CREATE ACCESS METHOD kinds_hash TYPE INDEX HANDLER hashhandler;
CREATE OPERATOR CLASS kinds.int4_am_ops DEFAULT FOR TYPE int4 USING kinds_hash AS
    OPERATOR 1 =, FUNCTION 1 hashint4(int4);
CREATE TABLE kinds.uses_am (id int, v text) USING kinds_heap;
CREATE INDEX uses_am_id ON kinds.uses_am USING kinds_hash (id);
INSERT INTO kinds.uses_am VALUES (1, 'a');
CREATE MATERIALIZED VIEW kinds.uses_am_mv USING kinds_heap AS SELECT id FROM kinds.uses_am;

-- casts: function, binary, inout; transforms; a procedural language
CREATE FUNCTION kinds.myint_to_int(kinds.myint) RETURNS int LANGUAGE internal IMMUTABLE STRICT AS 'int4up';
CREATE CAST (kinds.myint AS int4) WITH FUNCTION kinds.myint_to_int(kinds.myint) AS ASSIGNMENT;
CREATE CAST (int4 AS kinds.myint) WITHOUT FUNCTION AS IMPLICIT;
CREATE CAST (kinds.mytext AS text) WITH INOUT;
COMMENT ON CAST (kinds.myint AS int4) IS 'a cast';
CREATE FUNCTION kinds.trf_from(internal) RETURNS internal LANGUAGE internal IMMUTABLE STRICT AS 'int4recv';
CREATE FUNCTION kinds.trf_to(internal) RETURNS kinds.myint LANGUAGE internal IMMUTABLE STRICT AS 'int4recv';
CREATE TRANSFORM FOR kinds.myint LANGUAGE plpgsql (FROM SQL WITH FUNCTION kinds.trf_from(internal),
    TO SQL WITH FUNCTION kinds.trf_to(internal));
COMMENT ON TRANSFORM FOR kinds.myint LANGUAGE plpgsql IS 'a transform';
CREATE FUNCTION kinds.mylang_handler() RETURNS language_handler LANGUAGE c
    AS '$libdir/plpgsql', 'plpgsql_call_handler';
CREATE TRUSTED LANGUAGE mylang HANDLER kinds.mylang_handler;
COMMENT ON LANGUAGE mylang IS 'a language';
REVOKE USAGE ON LANGUAGE mylang FROM PUBLIC;
GRANT USAGE ON LANGUAGE mylang TO kinds_reader;
CREATE FUNCTION kinds.in_mylang() RETURNS int LANGUAGE mylang AS $$ BEGIN RETURN 1; END $$;

-- text search
CREATE TEXT SEARCH PARSER kinds.myparser (START = prsd_start, GETTOKEN = prsd_nexttoken, END = prsd_end,
    LEXTYPES = prsd_lextype, HEADLINE = prsd_headline);
CREATE TEXT SEARCH TEMPLATE kinds.mytemplate (INIT = dsimple_init, LEXIZE = dsimple_lexize);
CREATE TEXT SEARCH DICTIONARY kinds.mydict (TEMPLATE = kinds.mytemplate, STOPWORDS = english, ACCEPT = false);
CREATE TEXT SEARCH CONFIGURATION kinds.mycfg (PARSER = kinds.myparser);
ALTER TEXT SEARCH CONFIGURATION kinds.mycfg ADD MAPPING FOR asciiword, word WITH kinds.mydict, simple;
CREATE TEXT SEARCH CONFIGURATION kinds.copied (COPY = english);
COMMENT ON TEXT SEARCH PARSER kinds.myparser IS 'a parser';
COMMENT ON TEXT SEARCH TEMPLATE kinds.mytemplate IS 'a template';
COMMENT ON TEXT SEARCH DICTIONARY kinds.mydict IS 'a dictionary';
COMMENT ON TEXT SEARCH CONFIGURATION kinds.mycfg IS 'a configuration';
ALTER TEXT SEARCH CONFIGURATION kinds.copied OWNER TO kinds_owner;

-- foreign data: wrappers, servers, user mappings (with a password, as pg_dump dumps it), foreign tables
CREATE FOREIGN DATA WRAPPER kinds_fdw OPTIONS (debug 'true');
CREATE FOREIGN DATA WRAPPER kinds_fdw_v VALIDATOR postgresql_fdw_validator;
CREATE SERVER kinds_srv TYPE 'pg' VERSION '1.0' FOREIGN DATA WRAPPER kinds_fdw
    OPTIONS (host 'example.invalid', "odd name" 'it''s = \ ok');
CREATE SERVER kinds_srv2 FOREIGN DATA WRAPPER kinds_fdw_v;
CREATE USER MAPPING FOR PUBLIC SERVER kinds_srv OPTIONS (user 'guest');
CREATE USER MAPPING FOR kinds_reader SERVER kinds_srv OPTIONS (user 'reader', password 'secret-pw');
GRANT USAGE ON FOREIGN DATA WRAPPER kinds_fdw TO kinds_reader;
GRANT USAGE ON FOREIGN SERVER kinds_srv TO kinds_reader;
COMMENT ON FOREIGN DATA WRAPPER kinds_fdw IS 'a wrapper';
COMMENT ON SERVER kinds_srv IS 'a server';
ALTER SERVER kinds_srv2 OWNER TO kinds_owner;
CREATE FOREIGN TABLE kinds.remote (
    id int OPTIONS (column_name 'ID') NOT NULL,
    note text COLLATE "C" DEFAULT 'x',
    CONSTRAINT remote_id_check CHECK (id > 0)
) SERVER kinds_srv OPTIONS (table_name 'remote_t');
COMMENT ON FOREIGN TABLE kinds.remote IS 'a foreign table';
CREATE TABLE kinds.parted (id int NOT NULL, v text) PARTITION BY LIST (id);
CREATE TABLE kinds.parted_local PARTITION OF kinds.parted FOR VALUES IN (1);
CREATE FOREIGN TABLE kinds.parted_remote PARTITION OF kinds.parted FOR VALUES IN (2) SERVER kinds_srv2;
CREATE TABLE kinds.base_t (id int, created date DEFAULT '2020-01-01');
CREATE FOREIGN TABLE kinds.child_remote (extra text) INHERITS (kinds.base_t) SERVER kinds_srv;
GRANT SELECT ON kinds.remote TO kinds_reader;

-- publications and subscriptions
CREATE TABLE kinds.pubt (id int PRIMARY KEY, a text, b text);
CREATE PUBLICATION kinds_pub FOR TABLE kinds.pubt WITH (publish = 'insert, update');
CREATE PUBLICATION kinds_all FOR ALL TABLES;
COMMENT ON PUBLICATION kinds_pub IS 'a publication';
CREATE SUBSCRIPTION kinds_sub CONNECTION 'host=example.invalid dbname=x' PUBLICATION p1, p2
    WITH (connect = false, slot_name = NONE);
CREATE SUBSCRIPTION kinds_sub2 CONNECTION 'host=example.invalid' PUBLICATION p1
    WITH (connect = false, synchronous_commit = 'local');
COMMENT ON SUBSCRIPTION kinds_sub IS 'a subscription';

-- extended statistics
CREATE TABLE kinds.stats_t (a int, b int, c text);
CREATE STATISTICS kinds.st_ab (dependencies, ndistinct) ON a, b FROM kinds.stats_t;
COMMENT ON STATISTICS kinds.st_ab IS 'statistics';

-- large objects: contents, an empty one, owner, ACL, comment
SELECT lo_from_bytea(424242, '\x00010203deadbeef'::bytea);
SELECT lo_create(424243);
ALTER LARGE OBJECT 424242 OWNER TO kinds_owner;
GRANT SELECT ON LARGE OBJECT 424242 TO kinds_reader;
COMMENT ON LARGE OBJECT 424242 IS 'a large object';

-- default privileges: database-wide (replacing the built-in default) and per schema
ALTER DEFAULT PRIVILEGES FOR ROLE kinds_owner GRANT SELECT ON TABLES TO kinds_reader;
ALTER DEFAULT PRIVILEGES FOR ROLE kinds_owner REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
ALTER DEFAULT PRIVILEGES FOR ROLE kinds_owner IN SCHEMA kinds
    GRANT USAGE ON SEQUENCES TO kinds_reader WITH GRANT OPTION;
ALTER DEFAULT PRIVILEGES FOR ROLE kinds_owner GRANT USAGE ON TYPES TO kinds_reader;
ALTER DEFAULT PRIVILEGES FOR ROLE kinds_owner GRANT CREATE ON SCHEMAS TO kinds_reader;

-- privileges changed on objects the backup does not create: system objects (a table, its
-- column, a function, a type, a built-in language) and an extension's members (one built in)
GRANT SELECT ON pg_catalog.pg_authid TO kinds_reader;
GRANT SELECT (rolname) ON pg_catalog.pg_authid TO kinds_reader;
GRANT EXECUTE ON FUNCTION pg_catalog.pg_ls_dir(text) TO kinds_reader WITH GRANT OPTION;
REVOKE EXECUTE ON FUNCTION pg_catalog.md5(text) FROM PUBLIC;
GRANT USAGE ON TYPE pg_catalog.int4 TO kinds_reader WITH GRANT OPTION;
REVOKE USAGE ON LANGUAGE sql FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION kinds.hstore(text, text) FROM PUBLIC;
GRANT USAGE ON TYPE kinds.hstore TO kinds_reader;
REVOKE USAGE ON LANGUAGE plpgsql FROM PUBLIC;

-- event triggers, in every enabled state
CREATE FUNCTION kinds.on_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN NULL; END $$;
CREATE EVENT TRIGGER kinds_ddl ON ddl_command_start WHEN TAG IN ('CREATE TABLE', 'DROP TABLE')
    EXECUTE FUNCTION kinds.on_ddl();
CREATE EVENT TRIGGER kinds_disabled ON sql_drop EXECUTE FUNCTION kinds.on_ddl();
ALTER EVENT TRIGGER kinds_disabled DISABLE;
CREATE EVENT TRIGGER kinds_replica ON ddl_command_end EXECUTE FUNCTION kinds.on_ddl();
ALTER EVENT TRIGGER kinds_replica ENABLE REPLICA;
CREATE EVENT TRIGGER kinds_always ON table_rewrite EXECUTE FUNCTION kinds.on_ddl();
ALTER EVENT TRIGGER kinds_always ENABLE ALWAYS;
COMMENT ON EVENT TRIGGER kinds_ddl IS 'an event trigger';
"""),
    (13, """
ALTER STATISTICS kinds.st_ab SET STATISTICS 500;
CREATE PUBLICATION kinds_root FOR TABLE kinds.stats_t WITH (publish_via_partition_root = true);
"""),
    (14, """
CREATE TYPE kinds.daterange2 AS RANGE (subtype = date, multirange_type_name = kinds.datemulti2);
CREATE TABLE kinds.uses_multirange (id int, m kinds.datemulti2, d datemultirange);
INSERT INTO kinds.uses_multirange VALUES (1, '{[2020-01-01,2020-02-01)}', '{[2021-01-01,2021-02-01)}');
CREATE TABLE kinds.counter (n int);
CREATE FUNCTION kinds.count_rows() RETURNS bigint LANGUAGE sql BEGIN ATOMIC SELECT count(*) FROM kinds.counter; END;
CREATE PROCEDURE kinds.bump() LANGUAGE sql BEGIN ATOMIC INSERT INTO kinds.counter VALUES (1); END;
CREATE STATISTICS kinds.st_expr ON (a + b), c FROM kinds.stats_t;
CREATE SUBSCRIPTION kinds_sub3 CONNECTION 'host=example.invalid' PUBLICATION p1
    WITH (connect = false, binary = true, streaming = on);
"""),
    (15, """
CREATE PUBLICATION kinds_filtered FOR TABLE kinds.pubt (id, a) WHERE (id > 10) WITH (publish = 'insert');
CREATE PUBLICATION kinds_schema FOR TABLES IN SCHEMA kinds_pubschema;
"""),
    (16, """
CREATE COLLATION kinds.c_coll2 (provider = libc, locale = 'C', deterministic = true);
DO $$ BEGIN
    CREATE COLLATION kinds.icu_rules (provider = icu, locale = 'und', rules = '&a < g');
EXCEPTION WHEN feature_not_supported THEN NULL; END $$;
CREATE SUBSCRIPTION kinds_sub16 CONNECTION 'host=example.invalid' PUBLICATION p1 WITH (connect = false,
    origin = none, password_required = false, run_as_owner = true, disable_on_error = true, two_phase = true);
"""),
    (17, """
CREATE DOMAIN kinds.nn AS int CONSTRAINT nn_named NOT NULL;
CREATE COLLATION kinds.builtin_c (provider = builtin, locale = 'C');
CREATE EVENT TRIGGER kinds_login ON login EXECUTE FUNCTION kinds.on_ddl();
CREATE SUBSCRIPTION kinds_sub17 CONNECTION 'host=example.invalid' PUBLICATION p1
    WITH (connect = false, failover = true, streaming = parallel);
ALTER DEFAULT PRIVILEGES FOR ROLE kinds_owner IN SCHEMA kinds GRANT MAINTAIN ON TABLES TO kinds_reader;
"""),
    (18, """
CREATE TABLE kinds.gen_t (a int, b int GENERATED ALWAYS AS (a * 2) STORED);
CREATE PUBLICATION kinds_gen FOR TABLE kinds.gen_t WITH (publish_generated_columns = stored);
ALTER DEFAULT PRIVILEGES FOR ROLE kinds_owner GRANT SELECT, UPDATE ON LARGE OBJECTS TO kinds_reader;
"""),
]


def fixture_sql(server_version: int) -> str:
    return "\n".join(sql for since, sql in PIECES if server_version >= since * 10000)

# Names and texts that must not end a statement early or smuggle a psql meta-command in.
HOSTILE = r"""
CREATE SCHEMA "evil ""schema""
\! echo pwned";
CREATE FUNCTION "evil ""schema""
\! echo pwned"."sfunc
\.'x" (bigint, int) RETURNS bigint LANGUAGE sql IMMUTABLE AS 'SELECT coalesce($1, 0) + $2';
CREATE AGGREGATE "evil ""schema""
\! echo pwned"."agg;
\!" (int) (SFUNC = "evil ""schema""
\! echo pwned"."sfunc
\.'x", STYPE = bigint, INITCOND = '0');
COMMENT ON AGGREGATE "evil ""schema""
\! echo pwned"."agg;
\!" (int) IS E'line\n\\! echo pwned\n\\.\n';
CREATE TEXT SEARCH DICTIONARY "evil ""schema""
\! echo pwned"."dict
\q" (TEMPLATE = simple, STOPWORDS = english);
CREATE COLLATION "evil ""schema""
\! echo pwned"."coll'" (provider = libc, locale = 'C');
CREATE FOREIGN DATA WRAPPER "fdw
\! echo pwned";
CREATE SERVER "srv'
\." FOREIGN DATA WRAPPER "fdw
\! echo pwned" OPTIONS ("opt
\! x" E'val\n\\! echo pwned\n''');
CREATE PUBLICATION "pub
\! echo pwned";
CREATE ACCESS METHOD "am
\! echo pwned" TYPE TABLE HANDLER heap_tableam_handler;
COMMENT ON ACCESS METHOD "am
\! echo pwned" IS E'\\.\n\\! echo pwned';
CREATE FUNCTION "evil ""schema""
\! echo pwned".evt() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN NULL; END $$;
CREATE EVENT TRIGGER "evt
\! echo pwned" ON ddl_command_start WHEN TAG IN ('CREATE TABLE') EXECUTE FUNCTION "evil ""schema""
\! echo pwned".evt();
COMMENT ON EVENT TRIGGER "evt
\! echo pwned" IS E'\\.\n\\! echo pwned';
"""
