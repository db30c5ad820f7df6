DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'st_owner') THEN CREATE ROLE st_owner; END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'st_reader') THEN CREATE ROLE st_reader; END IF;
END $$;
CREATE SCHEMA shop;
CREATE SCHEMA audit;
CREATE TYPE shop.state AS ENUM ('new', 'done');
CREATE TABLE shop.customers (id serial PRIMARY KEY, name text NOT NULL);
CREATE TABLE shop.orders (id bigserial PRIMARY KEY, customer_id int NOT NULL REFERENCES shop.customers,
                          state shop.state DEFAULT 'new');
CREATE INDEX orders_customer ON shop.orders (customer_id);
CREATE VIEW shop.open_orders AS SELECT * FROM shop.orders WHERE state = 'new';
CREATE TABLE audit.log (id int GENERATED ALWAYS AS IDENTITY, at timestamptz DEFAULT now(), what text);
CREATE SEQUENCE audit.free_seq;
CREATE FUNCTION shop.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER orders_touch BEFORE UPDATE ON shop.orders FOR EACH ROW EXECUTE FUNCTION shop.touch();
CREATE MATERIALIZED VIEW shop.order_counts AS SELECT customer_id, count(*) FROM shop.orders GROUP BY 1;
ALTER TABLE shop.orders OWNER TO st_owner;
GRANT SELECT ON shop.customers TO st_reader;
GRANT SELECT (name) ON shop.customers TO PUBLIC;
COMMENT ON TABLE shop.orders IS 'orders';
INSERT INTO shop.customers (name) VALUES ('ann'), ('bob');
INSERT INTO shop.orders (customer_id) VALUES (1), (2), (2);
INSERT INTO audit.log (what) VALUES ('x');
REFRESH MATERIALIZED VIEW shop.order_counts;
