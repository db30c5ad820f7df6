CREATE TABLE rel.nnd (a int, b int, CONSTRAINT nnd_a UNIQUE NULLS NOT DISTINCT (a));
CREATE UNIQUE INDEX nnd_b ON rel.nnd (b) NULLS NOT DISTINCT;
CREATE TABLE rel.tenant (t int, id int, PRIMARY KEY (t, id));
CREATE TABLE rel.tenant_ref (t int NOT NULL, id int, FOREIGN KEY (t, id) REFERENCES rel.tenant ON DELETE SET NULL (id));
CREATE VIEW rel.v_invoker WITH (security_invoker = true) AS SELECT 1 AS one;
