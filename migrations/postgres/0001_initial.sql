-- 0001: the first schema of the PostgreSQL store (store = "postgres"): every table the seven
-- store interfaces need, the same records as migrations/sqlite/0001 and 0002.
--
-- Types are checked by PostgreSQL on write and again by the store on read (binary results,
-- each column's type and length checked), so a row that does not decode is tampering or a bug
-- (the store reports kCorrupt). Binary ids are BYTEA with their lengths checked (user and
-- family ids 16 bytes, SHA-256 token hashes 32). Times are BIGINT Unix seconds unless a column
-- says ms. User agents are header bytes as they came (not necessarily UTF-8, possibly with a
-- NUL), which TEXT cannot hold: BYTEA.
--
-- As in SQLite, sessions, counters and audit rows do not reference users: each store interface
-- may live in a different backend (Redis takes sessions and counters), so no interface's
-- contract depends on another's rows. Refresh tokens do reference their family.
--
-- The runner (src/store/postgres/migrations.cc) applies this inside its own transaction,
-- holding an advisory lock, so several nodes starting at once apply it exactly once.

-- Which migrations have been applied: one row per migration, written in the same transaction.
CREATE TABLE schema_version (
  version    INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  applied_at BIGINT NOT NULL
);

CREATE TABLE users (
  id                  BYTEA PRIMARY KEY CHECK (octet_length(id) = 16),
  email               TEXT NOT NULL UNIQUE,       -- normalized by the caller; compared exactly
  password_hash       TEXT NOT NULL,              -- Argon2id PHC string
  -- In the caller's order; one dimension, no NULLs (an empty array has no dimensions).
  roles               TEXT[] NOT NULL DEFAULT '{}'
                      CHECK (cardinality(roles) = 0 OR array_ndims(roles) = 1)
                      CHECK (array_position(roles, NULL) IS NULL),
  disabled            BOOLEAN NOT NULL DEFAULT FALSE,
  created_at          BIGINT NOT NULL,
  password_changed_at BIGINT NOT NULL,
  totp_secret         TEXT NOT NULL DEFAULT ''    -- empty: no TOTP
);
-- UserStore::list pages in this order.
CREATE INDEX users_by_created ON users (created_at, id);

-- Cookie sessions, keyed by the SHA-256 of the session id (the id itself is never stored).
CREATE TABLE sessions (
  id_hash      BYTEA PRIMARY KEY CHECK (octet_length(id_hash) = 32),
  user_id      BYTEA NOT NULL CHECK (octet_length(user_id) = 16),
  created_at   BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL,
  auth_time    BIGINT NOT NULL,
  ip           TEXT NOT NULL,
  user_agent   BYTEA NOT NULL,
  csrf_hash    BYTEA NOT NULL CHECK (octet_length(csrf_hash) = 32)
);
-- A user's sessions oldest first (eviction) and newest first (list); remove_all.
CREATE INDEX sessions_by_user ON sessions (user_id, created_at, id_hash);
-- purge(): absolute and idle expiry.
CREATE INDEX sessions_by_created ON sessions (created_at);
CREATE INDEX sessions_by_last_seen ON sessions (last_seen_at);

-- Fixed-window rate-limit counters. Rows whose window has ended are swept now and then.
CREATE TABLE counters (
  key         TEXT PRIMARY KEY,
  value       BIGINT NOT NULL,
  window_ends BIGINT NOT NULL
);
CREATE INDEX counters_by_window_ends ON counters (window_ends);

-- The audit log, append-only. Identity ids only ever increase and are never reused.
CREATE TABLE audit_events (
  id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at         BIGINT NOT NULL,
  type       TEXT NOT NULL,
  user_id    BYTEA CHECK (user_id IS NULL OR octet_length(user_id) = 16),
  ip         TEXT NOT NULL,
  user_agent BYTEA NOT NULL,
  detail     TEXT NOT NULL      -- JSON object text, kept byte for byte
);
CREATE INDEX audit_events_by_user ON audit_events (user_id, id);
CREATE INDEX audit_events_by_type ON audit_events (type, id);

-- Devices each user has logged in from (fingerprint: a hash of user agent + IP prefix made by
-- the caller), for the "new device" audit event.
CREATE TABLE user_devices (
  user_id     BYTEA NOT NULL CHECK (octet_length(user_id) = 16),
  fingerprint TEXT NOT NULL,
  first_seen  BIGINT NOT NULL,
  last_seen   BIGINT NOT NULL,
  PRIMARY KEY (user_id, fingerprint)
);

-- A refresh-token family: started at login, revoked as a whole (logout, reuse, password change).
-- revoked_at 0 means live. Revoked families stay until purge so that a late reuse of one of
-- their tokens is still recognised (and audited) as reuse rather than as an unknown token.
CREATE TABLE refresh_families (
  id                  BYTEA PRIMARY KEY CHECK (octet_length(id) = 16),
  user_id             BYTEA NOT NULL CHECK (octet_length(user_id) = 16),
  created_at          BIGINT NOT NULL,       -- start of the absolute lifetime
  last_used_at        BIGINT NOT NULL,       -- the last rotation (idle lifetime)
  auth_time           BIGINT NOT NULL,
  password_changed_at BIGINT NOT NULL,       -- the user's, when the family began
  client_id           TEXT NOT NULL,         -- '' for first-party logins
  scope               TEXT NOT NULL,
  ip                  TEXT NOT NULL,
  user_agent          BYTEA NOT NULL,
  revoked_at          BIGINT NOT NULL DEFAULT 0 CHECK (revoked_at >= 0),
  revoked_reason      TEXT NOT NULL DEFAULT ''
);
-- list() (newest first) and revoke_user().
CREATE INDEX refresh_families_by_user ON refresh_families (user_id, created_at, id);
-- purge(): absolute, idle and revoked-retention expiry.
CREATE INDEX refresh_families_by_created ON refresh_families (created_at);
CREATE INDEX refresh_families_by_last_used ON refresh_families (last_used_at);
CREATE INDEX refresh_families_by_revoked ON refresh_families (revoked_at) WHERE revoked_at <> 0;

-- The tokens of each family, kept as SHA-256 hashes of the raw tokens. A used token points at
-- its successor (used_at <> 0 exactly when successor is set); successor_sealed is the raw
-- successor encrypted under a key derived from the raw presented token (ciphertext bytes,
-- never usable from the database alone), empty when unused. Tokens go with their family.
CREATE TABLE refresh_tokens (
  hash             BYTEA PRIMARY KEY CHECK (octet_length(hash) = 32),
  family_id        BYTEA NOT NULL REFERENCES refresh_families (id) ON DELETE CASCADE,
  issued_at        BIGINT NOT NULL,
  used_at          BIGINT NOT NULL DEFAULT 0 CHECK (used_at >= 0),
  successor        BYTEA CHECK (successor IS NULL OR octet_length(successor) = 32),
  successor_sealed BYTEA NOT NULL DEFAULT '',
  CHECK ((used_at = 0) = (successor IS NULL))
);
-- The cascade from refresh_families, which would otherwise scan every token.
CREATE INDEX refresh_tokens_by_family ON refresh_tokens (family_id);

-- The signing keyring's version: always one row, version 0 until the keyring is first
-- written. Writers compare-and-set it (UPDATE ... WHERE version = expected) in the same
-- transaction that replaces signing_keys; the row lock serialises them.
CREATE TABLE keyring (
  id      INTEGER PRIMARY KEY CHECK (id = 1),
  version BIGINT NOT NULL CHECK (version >= 0)
);
INSERT INTO keyring (id, version) VALUES (1, 0);

-- The keys of the keyring, replaced as a whole. position keeps the order they were written in.
-- sealed_private is encrypted by auth/keyring before it gets here; opaque to the store.
CREATE TABLE signing_keys (
  kid            TEXT PRIMARY KEY,
  position       INTEGER NOT NULL UNIQUE,
  alg            TEXT NOT NULL,
  state          TEXT NOT NULL CHECK (state IN ('next', 'active', 'retired')),
  public_jwk     TEXT NOT NULL,
  sealed_private TEXT NOT NULL,
  created_at     BIGINT NOT NULL,
  activated_at   BIGINT NOT NULL,   -- 0: never signed
  retired_at     BIGINT NOT NULL    -- 0: not retired
);

-- The access-token denylist: a jti is denied until (and including) expires_at, the token's
-- own expiry; rows past it are purged.
CREATE TABLE denied_tokens (
  jti        TEXT PRIMARY KEY,
  expires_at BIGINT NOT NULL
);
CREATE INDEX denied_tokens_by_expiry ON denied_tokens (expires_at);

-- Per-user "not before" in Unix MILLISECONDS (ordered against access tokens' issue times);
-- only ever raised. Never purged: it is tiny and must outlive every token issued before it.
CREATE TABLE user_not_before (
  user_id       BYTEA PRIMARY KEY CHECK (octet_length(user_id) = 16),
  not_before_ms BIGINT NOT NULL
);

-- The log other nodes follow (auth/revocation.h polls it). seq is NOT a sequence (sequence
-- values are handed out in call order, not commit order, so a follower could read seq 8
-- before seq 7 commits and skip 7 for good): every writer takes the next seq by updating
-- revocation_log_state.last_seq in its own transaction, and that row lock, held to commit,
-- makes seqs strictly increasing in commit order and never reused. A 'denied' event carries
-- jti + expires_at, a 'not_before' event user_id + not_before_ms.
CREATE TABLE revocation_events (
  seq           BIGINT PRIMARY KEY,
  at            BIGINT NOT NULL,      -- when it was logged (what purge goes by)
  kind          TEXT NOT NULL CHECK (kind IN ('denied', 'not_before')),
  jti           TEXT NOT NULL DEFAULT '',
  expires_at    BIGINT NOT NULL DEFAULT 0,
  user_id       BYTEA CHECK (user_id IS NULL OR octet_length(user_id) = 16),
  not_before_ms BIGINT NOT NULL DEFAULT 0,
  CHECK ((kind = 'not_before') = (user_id IS NOT NULL))
);
CREATE INDEX revocation_events_by_at ON revocation_events (at);

-- Where the log stands: last_seq, the newest seq assigned (what a snapshot reflects even when
-- the events themselves are purged), and purged_through, the newest seq purge deleted (a
-- follower behind it has missed events and must take a new snapshot). Always one row.
CREATE TABLE revocation_log_state (
  id             INTEGER PRIMARY KEY CHECK (id = 1),
  last_seq       BIGINT NOT NULL CHECK (last_seq >= 0),
  purged_through BIGINT NOT NULL CHECK (purged_through >= 0 AND purged_through <= last_seq)
);
INSERT INTO revocation_log_state (id, last_seq, purged_through) VALUES (1, 0, 0);
