-- 0004: sessions carry their creation order (store/session_store.h). max_sessions_per_user
-- evicted by (created_at, id_hash): created_at has whole seconds, so among sessions created in
-- the same second the random id hash decided, and a session just created (and in use) could be
-- evicted while older ones survived. seq is per user, assigned max + 1 inside the write
-- transaction that inserts (writes are serialised), so it is strictly increasing in creation
-- order among a user's sessions.
ALTER TABLE sessions ADD COLUMN seq INTEGER;

-- Existing sessions keep the order the old rule gave them (the best there is to go on).
UPDATE sessions SET seq = (
  SELECT count(*) FROM sessions AS older
  WHERE older.user_id = sessions.user_id
    AND (older.created_at, older.id_hash) <= (sessions.created_at, sessions.id_hash));

-- A user's sessions oldest first (eviction), newest first (list), max(seq) (create).
DROP INDEX sessions_by_user;
CREATE INDEX sessions_by_user ON sessions (user_id, seq);
