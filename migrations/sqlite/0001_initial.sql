-- 0001: the first schema of the embedded (SQLite) store.
--
-- Tables are STRICT: a value of the wrong type is refused on write, so a row that does not
-- decode is tampering or a bug (the store reports kCorrupt), never a silent coercion.
-- Binary ids (user ids: 16 bytes; SHA-256 token hashes: 32 bytes) are BLOBs.
-- Times are Unix seconds.
--
-- Sessions, counters and audit rows do not reference users with foreign keys: each store
-- interface may live in a different backend (sessions and counters move to Redis, users to
-- PostgreSQL), so no interface's contract depends on another's rows. user_devices belongs to
-- the audit store for the same reason. Foreign keys are still switched on for every connection
-- for the tables that will reference each other (refresh tokens -> families).

-- Which migrations have been applied. The runner records one row per migration, in the same
-- transaction as the migration itself.
CREATE TABLE schema_version (
  version    INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  applied_at INTEGER NOT NULL
) STRICT;

CREATE TABLE users (
  id                  BLOB PRIMARY KEY CHECK (length(id) = 16),
  email               TEXT NOT NULL UNIQUE,        -- normalized by the caller; compared exactly
  password_hash       TEXT NOT NULL,               -- Argon2id PHC string
  roles               TEXT NOT NULL DEFAULT '[]',  -- JSON array of strings, in the caller's order
  disabled            INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
  created_at          INTEGER NOT NULL,
  password_changed_at INTEGER NOT NULL,
  totp_secret         TEXT NOT NULL DEFAULT ''     -- empty: no TOTP
) STRICT, WITHOUT ROWID;
-- UserStore::list pages in this order.
CREATE INDEX users_by_created ON users (created_at, id);

-- Cookie sessions, keyed by the SHA-256 of the session id (the id itself is never stored).
CREATE TABLE sessions (
  id_hash      BLOB PRIMARY KEY CHECK (length(id_hash) = 32),
  user_id      BLOB NOT NULL CHECK (length(user_id) = 16),
  created_at   INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  auth_time    INTEGER NOT NULL,
  ip           TEXT NOT NULL,
  user_agent   TEXT NOT NULL,
  csrf_hash    BLOB NOT NULL CHECK (length(csrf_hash) = 32)
) STRICT, WITHOUT ROWID;
-- A user's sessions oldest first (eviction) and newest first (list); remove_all.
CREATE INDEX sessions_by_user ON sessions (user_id, created_at, id_hash);
-- purge(): absolute and idle expiry.
CREATE INDEX sessions_by_created ON sessions (created_at);
CREATE INDEX sessions_by_last_seen ON sessions (last_seen_at);

-- Fixed-window rate-limit counters. Rows whose window has ended are swept now and then.
CREATE TABLE counters (
  key         TEXT PRIMARY KEY,
  value       INTEGER NOT NULL,
  window_ends INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX counters_by_window_ends ON counters (window_ends);

-- The audit log, append-only. AUTOINCREMENT: ids only ever increase, never reused.
CREATE TABLE audit_events (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  at         INTEGER NOT NULL,
  type       TEXT NOT NULL,
  user_id    BLOB CHECK (user_id IS NULL OR length(user_id) = 16),
  ip         TEXT NOT NULL,
  user_agent TEXT NOT NULL,
  detail     TEXT NOT NULL      -- JSON object text
) STRICT;
CREATE INDEX audit_events_by_user ON audit_events (user_id, id);
CREATE INDEX audit_events_by_type ON audit_events (type, id);

-- Devices each user has logged in from (fingerprint: a hash of user agent + IP prefix made by
-- the caller), for the "new device" audit event.
CREATE TABLE user_devices (
  user_id     BLOB NOT NULL CHECK (length(user_id) = 16),
  fingerprint TEXT NOT NULL,
  first_seen  INTEGER NOT NULL,
  last_seen   INTEGER NOT NULL,
  PRIMARY KEY (user_id, fingerprint)
) STRICT, WITHOUT ROWID;
