-- pgbench script of bench/http/run.sh (pg_rotate_tx): the commit-bound limit of a refresh
-- rotation on PostgreSQL. One autocommit statement: update one row found by its primary key
-- and insert one row, like Tessera's rotation (which also share-locks the family and reads
-- the user in a second statement), on pgbench's own tables.
\set aid random(1, 100000 * :scale)
\set delta random(-5000, 5000)
WITH u AS (UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid RETURNING aid, bid)
INSERT INTO pgbench_history (tid, bid, aid, delta, mtime)
SELECT 1, bid, aid, :delta, CURRENT_TIMESTAMP FROM u;
