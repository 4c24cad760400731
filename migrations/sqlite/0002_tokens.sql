-- 0002: refresh-token families, the signing keyring and access-token revocation
-- (store/refresh_store.h, store/key_store.h, store/revocation_store.h).
--
-- Same rules as 0001: STRICT tables, BLOB ids with their lengths checked (family ids and user
-- ids 16 bytes, SHA-256 token hashes 32), times in Unix seconds unless a column says ms.

-- A refresh-token family: started at login, revoked as a whole (logout, reuse, password change).
-- revoked_at 0 means live. Revoked families stay until purge so that a late reuse of one of
-- their tokens is still recognised (and audited) as reuse rather than as an unknown token.
CREATE TABLE refresh_families (
  id                  BLOB PRIMARY KEY CHECK (length(id) = 16),
  user_id             BLOB NOT NULL CHECK (length(user_id) = 16),
  created_at          INTEGER NOT NULL,      -- start of the absolute lifetime
  last_used_at        INTEGER NOT NULL,      -- the last rotation (idle lifetime)
  auth_time           INTEGER NOT NULL,
  password_changed_at INTEGER NOT NULL,      -- the user's, when the family began
  client_id           TEXT NOT NULL,         -- '' for first-party logins
  scope               TEXT NOT NULL,
  ip                  TEXT NOT NULL,
  user_agent          TEXT NOT NULL,
  revoked_at          INTEGER NOT NULL DEFAULT 0 CHECK (revoked_at >= 0),
  revoked_reason      TEXT NOT NULL DEFAULT ''
) STRICT, WITHOUT ROWID;
-- list() (newest first) and revoke_user().
CREATE INDEX refresh_families_by_user ON refresh_families (user_id, created_at, id);
-- purge(): absolute, idle and revoked-retention expiry.
CREATE INDEX refresh_families_by_created ON refresh_families (created_at);
CREATE INDEX refresh_families_by_last_used ON refresh_families (last_used_at);
CREATE INDEX refresh_families_by_revoked ON refresh_families (revoked_at) WHERE revoked_at <> 0;

-- The tokens of each family, kept as SHA-256 hashes of the raw tokens. A used token points at
-- its successor (used_at <> 0 exactly when successor is set); successor_sealed is the raw
-- successor encrypted under a key derived from the raw presented token (never usable from the
-- database alone), '' when unused. Tokens go with their family (ON DELETE CASCADE; foreign
-- keys are on for every connection).
CREATE TABLE refresh_tokens (
  hash             BLOB PRIMARY KEY CHECK (length(hash) = 32),
  family_id        BLOB NOT NULL CHECK (length(family_id) = 16)
                   REFERENCES refresh_families (id) ON DELETE CASCADE,
  issued_at        INTEGER NOT NULL,
  used_at          INTEGER NOT NULL DEFAULT 0 CHECK (used_at >= 0),
  successor        BLOB CHECK (successor IS NULL OR length(successor) = 32),
  successor_sealed TEXT NOT NULL DEFAULT '',
  CHECK ((used_at = 0) = (successor IS NULL))
) STRICT, WITHOUT ROWID;
-- The cascade from refresh_families, which would otherwise scan every token.
CREATE INDEX refresh_tokens_by_family ON refresh_tokens (family_id);

-- The signing keyring's version: one row once the keyring was first written (none: version 0).
-- Writers compare-and-set it in the same transaction that replaces signing_keys.
CREATE TABLE keyring (
  id      INTEGER PRIMARY KEY CHECK (id = 1),
  version INTEGER NOT NULL CHECK (version >= 1)
) STRICT;

-- The keys of the keyring, replaced as a whole. position keeps the order they were written in.
-- sealed_private is encrypted by auth/keyring before it gets here; opaque to the store.
CREATE TABLE signing_keys (
  kid            TEXT PRIMARY KEY,
  position       INTEGER NOT NULL UNIQUE,
  alg            TEXT NOT NULL,
  state          TEXT NOT NULL CHECK (state IN ('next', 'active', 'retired')),
  public_jwk     TEXT NOT NULL,
  sealed_private TEXT NOT NULL,
  created_at     INTEGER NOT NULL,
  activated_at   INTEGER NOT NULL,   -- 0: never signed
  retired_at     INTEGER NOT NULL    -- 0: not retired
) STRICT, WITHOUT ROWID;

-- The access-token denylist: a jti is denied until (and including) expires_at, the token's
-- own expiry; rows past it are purged.
CREATE TABLE denied_tokens (
  jti        TEXT PRIMARY KEY,
  expires_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX denied_tokens_by_expiry ON denied_tokens (expires_at);

-- Per-user "not before" in Unix MILLISECONDS (ordered against access tokens' issue times);
-- only ever raised. Never purged: it is tiny and must outlive every token issued before it.
CREATE TABLE user_not_before (
  user_id       BLOB PRIMARY KEY CHECK (length(user_id) = 16),
  not_before_ms INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- The log other processes follow (auth/revocation.h polls it). seq is assigned from
-- revocation_log_state.last_seq in the writing transaction, so it is strictly increasing in
-- commit order and never reused, even after every event was purged. A 'denied' event carries
-- jti + expires_at, a 'not_before' event user_id + not_before_ms.
CREATE TABLE revocation_events (
  seq           INTEGER PRIMARY KEY,
  at            INTEGER NOT NULL,      -- when it was logged (what purge goes by)
  kind          TEXT NOT NULL CHECK (kind IN ('denied', 'not_before')),
  jti           TEXT NOT NULL DEFAULT '',
  expires_at    INTEGER NOT NULL DEFAULT 0,
  user_id       BLOB CHECK (user_id IS NULL OR length(user_id) = 16),
  not_before_ms INTEGER NOT NULL DEFAULT 0,
  CHECK ((kind = 'not_before') = (user_id IS NOT NULL))
) STRICT;
CREATE INDEX revocation_events_by_at ON revocation_events (at);

-- Where the log stands: last_seq, the newest seq assigned (what a snapshot reflects even when
-- the events themselves are purged), and purged_through, the newest seq purge deleted (a
-- follower behind it has missed events and must take a new snapshot). Always one row.
CREATE TABLE revocation_log_state (
  id             INTEGER PRIMARY KEY CHECK (id = 1),
  last_seq       INTEGER NOT NULL CHECK (last_seq >= 0),
  purged_through INTEGER NOT NULL CHECK (purged_through >= 0 AND purged_through <= last_seq)
) STRICT;
INSERT INTO revocation_log_state (id, last_seq, purged_through) VALUES (1, 0, 0);
