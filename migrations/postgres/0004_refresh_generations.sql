-- 0004: refresh families in constant space (store/refresh_store.h), as migrations/sqlite/0005
-- does. A family's row holds its current generation and when that was issued; refresh tokens
-- carry the family id and the generation under a MAC (auth/refresh_token_format.h), so a
-- rotation no longer inserts a token row (and an index entry, and a foreign-key check): it
-- moves the family's generation on, in place. Neither column is indexed, so the update is HOT
-- (no index entries; pruned without vacuum) when the family's page has room: leave it room.
--
-- Families that exist now are at generation 0: their current token is the random token the
-- client holds, kept (hashed) in the table renamed below, and the first refresh with it moves
-- the family to generation 1. Their used tokens stay there too, so reusing one is still
-- recognised as reuse until the family is purged. Nothing new is ever written to that table.
ALTER TABLE refresh_families ADD COLUMN generation BIGINT NOT NULL DEFAULT 0
  CHECK (generation >= 0);
-- When the current generation was issued: what the idle lifetime runs from. For a family of
-- before, its newest token's issue (what 0002 read it from).
ALTER TABLE refresh_families ADD COLUMN last_used_at BIGINT NOT NULL DEFAULT 0;
UPDATE refresh_families f SET last_used_at = coalesce(
  (SELECT max(t.issued_at) FROM refresh_tokens t WHERE t.family_id = f.id), f.created_at);
ALTER TABLE refresh_families SET (fillfactor = 70);

-- Renamed rather than kept under its name: a node of the previous version still running on
-- this database names refresh_tokens in every refresh-family statement, so it now fails
-- closed (a store error: 503) instead of inserting a token the new rules would never look at,
-- or purging every new family as idle because it has no tokens. A half-upgraded cluster
-- therefore never rotates (or accepts) a token by the old rules after this commits.
ALTER TABLE refresh_tokens RENAME TO refresh_legacy_tokens;

-- The refresh secret (store/refresh_store.h): 32 random bytes written once, by the first node
-- to start after this migration (the refresh key needs it and the master key both).
CREATE TABLE refresh_secret (
  id     INTEGER PRIMARY KEY CHECK (id = 1),
  secret BYTEA NOT NULL CHECK (octet_length(secret) = 32)
);
