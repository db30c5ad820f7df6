CREATE TABLE rel.virt (a int, b int GENERATED ALWAYS AS (a + 1) VIRTUAL, c int CONSTRAINT c_is_set NOT NULL);
CREATE TABLE rel.nn_parent (x int CONSTRAINT x_nn NOT NULL NO INHERIT, y int NOT NULL);
CREATE TABLE rel.nn_child () INHERITS (rel.nn_parent);
CREATE TABLE rel.nn_nv (z int);
ALTER TABLE rel.nn_nv ADD CONSTRAINT z_nn NOT NULL z NOT VALID;
CREATE TABLE rel.unenforced (a int, CONSTRAINT a_chk CHECK (a > 0) NOT ENFORCED);
-- temporal keys: WITHOUT OVERLAPS and PERIOD (btree_gist gives the scalar part a GiST operator class)
CREATE EXTENSION btree_gist WITH SCHEMA rel;
CREATE TABLE rel.room (id int, valid_at daterange, name text,
    CONSTRAINT room_pk PRIMARY KEY (id, valid_at WITHOUT OVERLAPS),
    CONSTRAINT room_name UNIQUE (name, valid_at WITHOUT OVERLAPS));
CREATE TABLE rel.stay (room int, valid_at daterange,
    CONSTRAINT stay_room FOREIGN KEY (room, PERIOD valid_at) REFERENCES rel.room (id, PERIOD valid_at),
    CONSTRAINT stay_room_ne FOREIGN KEY (room, PERIOD valid_at) REFERENCES rel.room (id, PERIOD valid_at) NOT ENFORCED);
-- a NOT ENFORCED foreign key whose rows violate it, on a plain and a partitioned table
CREATE TABLE rel.fk_ne (id int PRIMARY KEY, up int, CONSTRAINT up_fk FOREIGN KEY (up) REFERENCES rel.fk_ne (id) NOT ENFORCED);
CREATE TABLE rel.fk_ne_part (k int, r int REFERENCES rel.refs (id) NOT ENFORCED) PARTITION BY LIST (k);
CREATE TABLE rel.fk_ne_part_1 PARTITION OF rel.fk_ne_part FOR VALUES IN (1);
INSERT INTO rel.room VALUES (1, '[2025-01-01,2025-07-01)', 'a'), (1, '[2025-07-01,2026-01-01)', 'a');
INSERT INTO rel.stay VALUES (1, '[2025-03-01,2025-09-01)');
INSERT INTO rel.fk_ne VALUES (1, 99);
INSERT INTO rel.fk_ne_part VALUES (1, 99);
-- NOT VALID foreign keys on partitioned tables (18), over rows that violate it
CREATE TABLE rel.nv_part (k int, r int) PARTITION BY LIST (k);
CREATE TABLE rel.nv_part_1 PARTITION OF rel.nv_part FOR VALUES IN (1);
INSERT INTO rel.nv_part VALUES (1, 98);
ALTER TABLE rel.nv_part ADD CONSTRAINT nv_part_r_fk FOREIGN KEY (r) REFERENCES rel.refs (id) NOT VALID;
-- NOT ENFORCED CHECK and virtual generated columns reaching partitions and children
CREATE TABLE rel.ne_part (k int, v int GENERATED ALWAYS AS (k * 3) VIRTUAL, CONSTRAINT ne_k CHECK (k > 5) NOT ENFORCED) PARTITION BY LIST (k);
CREATE TABLE rel.ne_part_1 PARTITION OF rel.ne_part FOR VALUES IN (1);
INSERT INTO rel.ne_part VALUES (1);
CREATE TABLE rel.virt_child (d int) INHERITS (rel.virt);
-- an exclusion constraint on a partitioned table (17+; 17 cannot attach the partition's index)
CREATE TABLE rel.pexcl (r int4range, during tsrange, EXCLUDE USING gist (r WITH =, during WITH &&)) PARTITION BY LIST (r);
CREATE TABLE rel.pexcl_1 PARTITION OF rel.pexcl FOR VALUES IN ('[1,2)');
-- temporal keys on partitioned tables; NOT NULL and CHECK on virtual generated columns
CREATE TABLE rel.room_part (id int, valid_at daterange, PRIMARY KEY (id, valid_at WITHOUT OVERLAPS)) PARTITION BY LIST (id);
CREATE TABLE rel.room_part_1 PARTITION OF rel.room_part FOR VALUES IN (1);
CREATE TABLE rel.stay_part (id int, valid_at daterange, FOREIGN KEY (id, PERIOD valid_at) REFERENCES rel.room_part (id, PERIOD valid_at)) PARTITION BY LIST (id);
CREATE TABLE rel.stay_part_1 PARTITION OF rel.stay_part FOR VALUES IN (1);
CREATE TABLE rel.virt_nn (a int, b int GENERATED ALWAYS AS (a + 1) VIRTUAL NOT NULL, c int GENERATED ALWAYS AS (a * 2) VIRTUAL CONSTRAINT c_pos CHECK (c > 0));
-- NOT NULL constraints of children whose columns are inherited: a parent's made NO INHERIT later
-- (its children keep theirs, now local), named or NO INHERIT ones of their own, local and inherited
CREATE TABLE rel.nn_p2 (y int CONSTRAINT y_nn NOT NULL, z int, w int, x int CONSTRAINT p2_x NOT NULL);
CREATE TABLE rel.nn_c2 () INHERITS (rel.nn_p2);
ALTER TABLE rel.nn_p2 ALTER CONSTRAINT y_nn NO INHERIT;
ALTER TABLE ONLY rel.nn_c2 ADD CONSTRAINT z_local NOT NULL z;
ALTER TABLE ONLY rel.nn_c2 ADD CONSTRAINT w_local NOT NULL w NO INHERIT;
ALTER TABLE ONLY rel.nn_c2 ALTER COLUMN x SET NOT NULL;
