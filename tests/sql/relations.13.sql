-- operator class parameters (13+)
CREATE TABLE rel.docs (id int, body text, tsv tsvector);
CREATE INDEX docs_tsv ON rel.docs USING gist (tsv tsvector_ops (siglen = 100));
CREATE INDEX docs_tsv_partial ON rel.docs USING gist (tsv tsvector_ops (siglen = 64)) WHERE body IS NOT NULL;
INSERT INTO rel.docs VALUES (1, 'a b', 'a b');
CREATE INDEX hashed_tsv ON rel.hashed USING gist ((to_tsvector('simple', t)) tsvector_ops (siglen = 32));
