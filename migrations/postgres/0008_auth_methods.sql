-- 0008: how each session and refresh family was authenticated, as migrations/sqlite/0009 adds
-- it: RFC 8176 "amr" values, space-separated; rows written before were password logins, so
-- 'pwd'. ADD COLUMN with a constant default rewrites no rows (PostgreSQL 11 and later).
ALTER TABLE sessions ADD COLUMN amr TEXT NOT NULL DEFAULT 'pwd';
ALTER TABLE refresh_families ADD COLUMN amr TEXT NOT NULL DEFAULT 'pwd';
