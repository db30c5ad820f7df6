CREATE TABLE rel.virt (a int, b int GENERATED ALWAYS AS (a + 1) VIRTUAL, c int CONSTRAINT c_is_set NOT NULL);
CREATE TABLE rel.nn_parent (x int CONSTRAINT x_nn NOT NULL NO INHERIT, y int NOT NULL);
CREATE TABLE rel.nn_child () INHERITS (rel.nn_parent);
CREATE TABLE rel.nn_nv (z int);
ALTER TABLE rel.nn_nv ADD CONSTRAINT z_nn NOT NULL z NOT VALID;
CREATE TABLE rel.unenforced (a int, CONSTRAINT a_chk CHECK (a > 0) NOT ENFORCED);
