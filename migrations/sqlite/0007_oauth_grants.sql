-- 0007: OAuth 2.0 authorization codes and consents (store/authorization_code_store.h,
-- store/consent_store.h).
--
-- Same rules as before: STRICT, BLOB ids with their lengths checked (user and family ids 16
-- bytes, SHA-256 code hashes 32), times in Unix seconds. Both tables reference their client:
-- removing a client (ClientStore::remove) deletes its codes and consents (ON DELETE CASCADE;
-- foreign keys are on for every connection), and a row for a client that does not exist is
-- refused (the stores answer kNotFound). Neither references users, as sessions and refresh
-- families do not.

-- An authorization code, kept as the SHA-256 of the code handed out (the code itself is never
-- stored). redeemed_at 0: not redeemed yet; redeem() sets it (at least 1) and family_id, the
-- refresh family the redemption started, in one conditional UPDATE. A redeemed code stays
-- until purge() so that a replay is still recognised.
CREATE TABLE oauth_codes (
  hash           BLOB PRIMARY KEY CHECK (length(hash) = 32),
  client_id      TEXT NOT NULL REFERENCES oauth_clients (id) ON DELETE CASCADE,
  user_id        BLOB NOT NULL CHECK (length(user_id) = 16),
  redirect_uri   TEXT NOT NULL,
  scope          TEXT NOT NULL,
  nonce          TEXT NOT NULL,           -- '' if the request had none
  code_challenge TEXT NOT NULL,           -- PKCE S256 challenge, '' if none
  auth_time      INTEGER NOT NULL,
  amr            TEXT NOT NULL,
  created_at     INTEGER NOT NULL,
  expires_at     INTEGER NOT NULL,
  redeemed_at    INTEGER NOT NULL DEFAULT 0 CHECK (redeemed_at >= 0),
  family_id      BLOB NOT NULL CHECK (length(family_id) = 16)
) STRICT, WITHOUT ROWID;
-- purge().
CREATE INDEX oauth_codes_by_expiry ON oauth_codes (expires_at);
-- The cascade from oauth_clients, which would otherwise scan every code.
CREATE INDEX oauth_codes_by_client ON oauth_codes (client_id);

-- What each user has granted each client. put() inserts, or replaces scope and updated_at of
-- the row that exists (created_at stays). A user's grants are few: list() sorts them by
-- created_at, client_id from the primary key's range, with no index of its own.
CREATE TABLE oauth_consents (
  user_id    BLOB NOT NULL CHECK (length(user_id) = 16),
  client_id  TEXT NOT NULL REFERENCES oauth_clients (id) ON DELETE CASCADE,
  scope      TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, client_id)
) STRICT, WITHOUT ROWID;
-- The cascade from oauth_clients.
CREATE INDEX oauth_consents_by_client ON oauth_consents (client_id);
