-- 0003: sessions carry their creation order (store/session_store.h), as migrations/sqlite/0004
-- does. max_sessions_per_user evicted by (created_at, id_hash): created_at has whole seconds, so
-- among sessions created in the same second the random id hash decided, and a session just
-- created (and in use) could be evicted while older ones survived; nodes' clocks also disagree.
-- seq comes from one sequence, taken by the INSERT (under the user's advisory lock when the
-- create evicts), so it increases in creation order across every node.
CREATE SEQUENCE sessions_seq;
ALTER TABLE sessions ADD COLUMN seq BIGINT;

-- Existing sessions keep the order the old rule gave them (the best there is to go on).
UPDATE sessions SET seq = ordered.n
FROM (SELECT id_hash, row_number() OVER (ORDER BY created_at, id_hash) AS n FROM sessions) AS ordered
WHERE sessions.id_hash = ordered.id_hash;
SELECT setval('sessions_seq', (SELECT coalesce(max(seq), 0) + 1 FROM sessions), false);

ALTER TABLE sessions ALTER COLUMN seq SET DEFAULT nextval('sessions_seq'),
                     ALTER COLUMN seq SET NOT NULL;
ALTER SEQUENCE sessions_seq OWNED BY sessions.seq;

-- A user's sessions oldest first (eviction) and newest first (list); remove_all.
DROP INDEX sessions_by_user;
CREATE INDEX sessions_by_user ON sessions (user_id, seq);
