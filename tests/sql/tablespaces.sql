-- Relations in tablespaces ts1 and 'tbl space "2"' (tests/test_tablespaces.py creates both
-- first), mixed with the database's default: each kind pg_dump places with default_tablespace.
CREATE SCHEMA s;

-- A table in ts1; its key's index in ts1, its unique constraint's index in the default.
CREATE TABLE s.t (
    id int PRIMARY KEY USING INDEX TABLESPACE ts1,
    a text,
    b int CONSTRAINT t_b_key UNIQUE,
    big text  -- a TOAST table, which follows its table
) TABLESPACE ts1;
CREATE INDEX t_a ON s.t (a) TABLESPACE ts1;
CREATE INDEX t_b ON s.t (b);
CREATE INDEX t_lower ON s.t (lower(a)) TABLESPACE "tbl space ""2""";
INSERT INTO s.t SELECT g, 'a' || g, g, repeat('x', 10) FROM generate_series(1, 50) g;

-- A table in the default tablespace with an index, a key and an exclusion elsewhere.
CREATE TABLE s.plain (id int, r int4range, x int);
ALTER TABLE s.plain ADD CONSTRAINT plain_pkey PRIMARY KEY (id) USING INDEX TABLESPACE "tbl space ""2""";
ALTER TABLE s.plain ADD CONSTRAINT plain_r_excl EXCLUDE USING gist (r WITH &&) USING INDEX TABLESPACE ts1;
CREATE INDEX plain_x ON s.plain (x) TABLESPACE ts1;
INSERT INTO s.plain VALUES (1, '[1,2)', 1), (2, '[2,3)', 2);

-- Another table in the second tablespace, with a foreign key (no index of its own).
CREATE TABLE s.child (id int PRIMARY KEY, t_id int REFERENCES s.t) TABLESPACE "tbl space ""2""";
INSERT INTO s.child VALUES (1, 1);

-- A partitioned table in ts1: its key's partitioned index in ts1. A partition created by
-- PARTITION OF inherits ts1, one given TABLESPACE pg_default is in the default (its key's index
-- still follows the parent's index into ts1); one attached from the second tablespace stays there.
CREATE TABLE s.p (k int, v text, PRIMARY KEY (k) USING INDEX TABLESPACE ts1) PARTITION BY RANGE (k) TABLESPACE ts1;
CREATE TABLE s.p1 PARTITION OF s.p FOR VALUES FROM (0) TO (10);
CREATE TABLE s.p2 PARTITION OF s.p FOR VALUES FROM (10) TO (20) TABLESPACE pg_default;
CREATE TABLE s.p3 (k int NOT NULL, v text) TABLESPACE "tbl space ""2""";
ALTER TABLE s.p3 ADD PRIMARY KEY (k);
ALTER TABLE s.p ATTACH PARTITION s.p3 FOR VALUES FROM (20) TO (30);
CREATE INDEX p_v ON s.p (v);  -- partitioned index in the default, its partitions' too
INSERT INTO s.p SELECT g, 'v' || g FROM generate_series(0, 29) g;

-- A partitioned table in the default tablespace with a partition in ts1.
CREATE TABLE s.q (k int, UNIQUE (k) USING INDEX TABLESPACE "tbl space ""2""") PARTITION BY LIST (k);
CREATE TABLE s.q1 PARTITION OF s.q FOR VALUES IN (1) TABLESPACE ts1;
CREATE TABLE s.q2 PARTITION OF s.q FOR VALUES IN (2);
INSERT INTO s.q VALUES (1), (2);

-- Materialized views: one in ts1 with an index in the second, one in the default.
CREATE MATERIALIZED VIEW s.mv TABLESPACE ts1 AS SELECT id, a FROM s.t;
CREATE UNIQUE INDEX mv_id ON s.mv (id) TABLESPACE "tbl space ""2""";
CREATE MATERIALIZED VIEW s.mv_default AS SELECT k FROM s.q;
CREATE INDEX mv_default_k ON s.mv_default (k) TABLESPACE ts1;

-- A view and a sequence: nothing to place.
CREATE VIEW s.v AS SELECT id FROM s.t;
CREATE SEQUENCE s.seq;
