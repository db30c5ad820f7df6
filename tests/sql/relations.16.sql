-- SQL/JSON (16): IS JSON in a CHECK, constructors in a view
CREATE TABLE rel.jdoc (doc text CONSTRAINT doc_is_json CHECK (doc IS JSON OBJECT WITH UNIQUE KEYS), n int);
CREATE VIEW rel.v_json AS SELECT JSON_OBJECT('a': n, 'b': doc ABSENT ON NULL RETURNING jsonb) AS o,
    JSON_ARRAY(n, 2 NULL ON NULL) AS a, JSON_ARRAYAGG(n ORDER BY n) AS agg, doc IS JSON SCALAR AS sc
FROM rel.jdoc GROUP BY n, doc;
