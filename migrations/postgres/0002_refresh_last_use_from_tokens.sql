-- 0002: a refresh family's last use is read from its tokens instead of being written to the
-- family on every rotation (store/refresh_store.h), as migrations/sqlite/0003 does.
--
-- Each rotation used to UPDATE its family's last_used_at. That column is indexed, so the
-- update could never be HOT: every rotation wrote a new family row version plus an entry in
-- each of the family's five indexes, and a busy family's dead versions piled up until vacuum
-- (the foreign-key check of the successor's INSERT and the next rotation walked them). Now a
-- rotation only locks its family (FOR SHARE, against a concurrent revocation) and writes
-- tokens. Nothing is lost: every rotation wrote last_used_at and its successor's issued_at
-- from the same clock reading.
--
-- Nodes of the previous version must be stopped before this runs: their rotation and purge
-- name the dropped column (they would fail with a store error, never act on a wrong value).
DROP INDEX refresh_families_by_last_used;
ALTER TABLE refresh_families DROP COLUMN last_used_at;

-- The family's tokens by issue time: max(issued_at) per family (find, list, purge) is one
-- index probe, and the cascade from refresh_families still finds the tokens by family_id.
DROP INDEX refresh_tokens_by_family;
CREATE INDEX refresh_tokens_by_family ON refresh_tokens (family_id, issued_at);

-- A rotation rewrites the presented token in place (used_at, successor, sealed successor: no
-- indexed column), which PostgreSQL can do as a HOT update, with no index entries and pruned
-- without vacuum, only if the token's page has room for the new version. Leave that room.
ALTER TABLE refresh_tokens SET (fillfactor = 80);
