-- 0008: second factors and passkeys (store/credential_store.h), and the plaintext
-- users.totp_secret column moved out.
--
-- Same rules as before: STRICT, BLOB ids with their lengths checked, times in Unix seconds.
-- Unlike sessions or refresh families, these rows always live in the database that keeps the
-- users (no cache takes them over), so they reference their user: a row for a user that does
-- not exist is refused (the store answers kNotFound), and a user's rows go with the user
-- (ON DELETE CASCADE; foreign keys are on for every connection).

-- One TOTP secret per user, sealed by the auth layer (AEAD under the master key; never
-- plaintext here). confirmed 0: pending enrolment. last_step: the last accepted RFC 6238 time
-- step (0: none); use_totp_step() moves it up in one conditional UPDATE.
CREATE TABLE totp_secrets (
  user_id       BLOB PRIMARY KEY CHECK (length(user_id) = 16)
                REFERENCES users (id) ON DELETE CASCADE,
  sealed_secret BLOB NOT NULL,
  confirmed     INTEGER NOT NULL CHECK (confirmed IN (0, 1)),
  created_at    INTEGER NOT NULL,
  confirmed_at  INTEGER NOT NULL DEFAULT 0,
  last_step     INTEGER NOT NULL DEFAULT 0 CHECK (last_step >= 0)
) STRICT, WITHOUT ROWID;

-- Recovery codes, kept as the auth layer's 32-byte keyed hashes. used_at 0: unused.
CREATE TABLE recovery_codes (
  user_id    BLOB NOT NULL CHECK (length(user_id) = 16) REFERENCES users (id) ON DELETE CASCADE,
  hash       BLOB NOT NULL CHECK (length(hash) = 32),
  created_at INTEGER NOT NULL,
  used_at    INTEGER NOT NULL DEFAULT 0 CHECK (used_at >= 0),
  PRIMARY KEY (user_id, hash)
) STRICT, WITHOUT ROWID;

-- Passkeys (WebAuthn credentials). id is the API's id; credential_id the authenticator's,
-- unique across every user (a credential registers once). transports: JSON array of strings.
CREATE TABLE passkeys (
  id              BLOB PRIMARY KEY CHECK (length(id) = 16),
  user_id         BLOB NOT NULL CHECK (length(user_id) = 16)
                  REFERENCES users (id) ON DELETE CASCADE,
  credential_id   BLOB NOT NULL UNIQUE
                  CHECK (length(credential_id) BETWEEN 1 AND 1023),
  public_key      BLOB NOT NULL,
  sign_count      INTEGER NOT NULL CHECK (sign_count BETWEEN 0 AND 4294967295),
  transports      TEXT NOT NULL DEFAULT '[]',
  name            TEXT NOT NULL,
  aaguid          BLOB NOT NULL CHECK (length(aaguid) = 16),
  backup_eligible INTEGER NOT NULL CHECK (backup_eligible IN (0, 1)),
  backed_up       INTEGER NOT NULL CHECK (backed_up IN (0, 1)),
  created_at      INTEGER NOT NULL,
  last_used_at    INTEGER NOT NULL DEFAULT 0
) STRICT, WITHOUT ROWID;
-- list_passkeys() in its order, and the cascade from users.
CREATE INDEX passkeys_by_user ON passkeys (user_id, created_at, id);

-- The WebAuthn user handle of each user: 32 random bytes, never derived from the user.
CREATE TABLE webauthn_user_handles (
  user_id    BLOB PRIMARY KEY CHECK (length(user_id) = 16)
             REFERENCES users (id) ON DELETE CASCADE,
  handle     BLOB NOT NULL UNIQUE CHECK (length(handle) = 32),
  created_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- Plaintext secrets found in users.totp_secret (no release wrote one: values put there by
-- hand), until the auth layer seals each into totp_secrets at start-up and deletes it here.
CREATE TABLE totp_legacy_secrets (
  user_id   BLOB PRIMARY KEY CHECK (length(user_id) = 16)
            REFERENCES users (id) ON DELETE CASCADE,
  plaintext TEXT NOT NULL
) STRICT, WITHOUT ROWID;
INSERT INTO totp_legacy_secrets (user_id, plaintext)
  SELECT id, totp_secret FROM users WHERE totp_secret <> '';

-- The column goes (SQLite 3.35+; no index, view, trigger or constraint names it). A process
-- of the previous version still running on the file names it in every user statement, so it
-- now fails closed (a store error: 503) instead of reading a column that no longer means
-- anything.
ALTER TABLE users DROP COLUMN totp_secret;
