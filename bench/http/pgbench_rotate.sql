-- pgbench script of bench/http/run.sh (pg_rotate_tx): the commit-bound limit of a refresh
-- rotation on PostgreSQL. One autocommit statement of the rotation's shape since issue 15
-- (store/postgres/refresh_store.cc kRotate): an UPDATE ... RETURNING of one row found by its
-- primary key, joined to a row of a second table that it reads, on pgbench's own tables. No
-- row is inserted (before issue 15 this script also inserted one, as the rotation did).
\set aid random(1, 100000 * :scale)
\set delta random(-5000, 5000)
WITH u AS (UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid RETURNING aid, bid, abalance)
SELECT u.aid, u.abalance, b.bbalance FROM u JOIN pgbench_branches b ON b.bid = u.bid;
