ALTER TABLE rel.cols ALTER COLUMN big SET COMPRESSION pglz;
-- loops pg_dump breaks by splitting: a default and a CHECK calling functions (SQL-standard
-- bodies, 14+, record their dependencies) that read the table itself
CREATE TABLE rel.dc (id int, x int);
CREATE FUNCTION rel.dc_next() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT coalesce(max(id), 0) + 1 FROM rel.dc; END;
ALTER TABLE rel.dc ALTER COLUMN id SET DEFAULT rel.dc_next();
CREATE FUNCTION rel.dc_ok(v int) RETURNS boolean LANGUAGE sql BEGIN ATOMIC SELECT v >= (SELECT count(*) FROM rel.dc) - 100; END;
ALTER TABLE rel.dc ADD CONSTRAINT dc_x_ok CHECK (rel.dc_ok(x));
INSERT INTO rel.dc (x) VALUES (1);
-- BRIN operator classes with parameters (14+)
CREATE INDEX docs_brin ON rel.docs USING brin (id int4_minmax_multi_ops (values_per_range = 16), body text_bloom_ops (false_positive_rate = 0.05));
