-- 0003: a refresh family's last use is read from its tokens instead of being written to the
-- family on every rotation (store/refresh_store.h). The newest token's issued_at already says
-- when the family was last rotated; keeping a copy in refresh_families cost every rotation a
-- second row update and an index update (refresh_families_by_last_used) inside the one
-- serialised write. Nothing is lost: every rotation wrote last_used_at and its successor's
-- issued_at from the same clock reading.
DROP INDEX refresh_families_by_last_used;
ALTER TABLE refresh_families DROP COLUMN last_used_at;

-- The family's tokens by issue time: max(issued_at) per family (find, list, purge) is one
-- index probe, and the cascade from refresh_families still finds the tokens by family_id.
DROP INDEX refresh_tokens_by_family;
CREATE INDEX refresh_tokens_by_family ON refresh_tokens (family_id, issued_at);
