-- 0012: the use of a refresh family before its latest rotation, written by the rotation itself
-- (store/postgres/refresh_store.cc kRotate: SET prior_use_at = last_used_at, evaluated on the
-- row as it was). The rotation's RETURNING reports it for the idle-timeout check; before this,
-- a CTE read the row a second time for it (PostgreSQL before 18 cannot return a column's old
-- value), which cost 13-23% of the statement (bench/README.md, 2026-12-06). Not indexed, so the
-- rotation stays a HOT update. Families rotated before hold 0 until their next rotation, which
-- sets it before it is read: the value is only ever read in the RETURNING of the statement
-- that wrote it. A node of the previous version keeps working beside this one (it reads the
-- previous use with its CTE and never touches the column).
ALTER TABLE refresh_families ADD COLUMN prior_use_at BIGINT NOT NULL DEFAULT 0;
