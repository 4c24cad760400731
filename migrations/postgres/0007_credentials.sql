-- 0007: second factors and passkeys (store/credential_store.h), and the plaintext
-- users.totp_secret column moved out, as migrations/sqlite/0008 does.
--
-- Binary values are BYTEA with their lengths checked, times BIGINT Unix seconds. Unlike
-- sessions or refresh families, these rows always live in the database that keeps the users
-- (no cache takes them over), so they reference their user: a row for a user that does not
-- exist is refused (the store answers kNotFound), and a user's rows go with the user
-- (ON DELETE CASCADE).

-- One TOTP secret per user, sealed by the auth layer (AEAD under the master key; never
-- plaintext here). confirmed false: pending enrolment. last_step: the last accepted RFC 6238
-- time step (0: none); use_totp_step() moves it up in one conditional UPDATE, which every
-- node's concurrent UPDATE of the row waits for and then re-checks (READ COMMITTED).
CREATE TABLE totp_secrets (
  user_id       BYTEA PRIMARY KEY CHECK (octet_length(user_id) = 16)
                REFERENCES users (id) ON DELETE CASCADE,
  sealed_secret BYTEA NOT NULL,
  confirmed     BOOLEAN NOT NULL,
  created_at    BIGINT NOT NULL,
  confirmed_at  BIGINT NOT NULL DEFAULT 0,
  last_step     BIGINT NOT NULL DEFAULT 0 CHECK (last_step >= 0)
);

-- Recovery codes, kept as the auth layer's 32-byte keyed hashes. used_at 0: unused.
CREATE TABLE recovery_codes (
  user_id    BYTEA NOT NULL CHECK (octet_length(user_id) = 16)
             REFERENCES users (id) ON DELETE CASCADE,
  hash       BYTEA NOT NULL CHECK (octet_length(hash) = 32),
  created_at BIGINT NOT NULL,
  used_at    BIGINT NOT NULL DEFAULT 0 CHECK (used_at >= 0),
  PRIMARY KEY (user_id, hash)
);

-- Passkeys (WebAuthn credentials). id is the API's id; credential_id the authenticator's,
-- unique across every user (a credential registers once). transports in the client's order.
CREATE TABLE passkeys (
  id              BYTEA PRIMARY KEY CHECK (octet_length(id) = 16),
  user_id         BYTEA NOT NULL CHECK (octet_length(user_id) = 16)
                  REFERENCES users (id) ON DELETE CASCADE,
  credential_id   BYTEA NOT NULL UNIQUE
                  CHECK (octet_length(credential_id) BETWEEN 1 AND 1023),
  public_key      BYTEA NOT NULL,
  sign_count      BIGINT NOT NULL CHECK (sign_count BETWEEN 0 AND 4294967295),
  transports      TEXT[] NOT NULL DEFAULT '{}'
                  CHECK (cardinality(transports) = 0 OR array_ndims(transports) = 1)
                  CHECK (array_position(transports, NULL) IS NULL),
  name            TEXT NOT NULL,
  aaguid          BYTEA NOT NULL CHECK (octet_length(aaguid) = 16),
  backup_eligible BOOLEAN NOT NULL,
  backed_up       BOOLEAN NOT NULL,
  created_at      BIGINT NOT NULL,
  last_used_at    BIGINT NOT NULL DEFAULT 0
);
-- list_passkeys() in its order, and the cascade from users.
CREATE INDEX passkeys_by_user ON passkeys (user_id, created_at, id);

-- The WebAuthn user handle of each user: 32 random bytes, never derived from the user.
CREATE TABLE webauthn_user_handles (
  user_id    BYTEA PRIMARY KEY CHECK (octet_length(user_id) = 16)
             REFERENCES users (id) ON DELETE CASCADE,
  handle     BYTEA NOT NULL UNIQUE CHECK (octet_length(handle) = 32),
  created_at BIGINT NOT NULL
);

-- Plaintext secrets found in users.totp_secret (no release wrote one: values put there by
-- hand), until the auth layer seals each into totp_secrets at start-up and deletes it here.
CREATE TABLE totp_legacy_secrets (
  user_id   BYTEA PRIMARY KEY CHECK (octet_length(user_id) = 16)
            REFERENCES users (id) ON DELETE CASCADE,
  plaintext TEXT NOT NULL
);
INSERT INTO totp_legacy_secrets (user_id, plaintext)
  SELECT id, totp_secret FROM users WHERE totp_secret <> '';

-- The column goes. A node of the previous version still running on the database names it in
-- every user statement and refresh rotation, so it now fails closed (a store error: 503)
-- instead of reading a column that no longer means anything.
ALTER TABLE users DROP COLUMN totp_secret;
