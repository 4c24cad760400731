-- 0006: OAuth 2.0 authorization codes and consents (store/authorization_code_store.h,
-- store/consent_store.h), as migrations/sqlite/0007 adds them.
--
-- Binary ids are BYTEA with their lengths checked (user and family ids 16 bytes, SHA-256 code
-- hashes 32), times BIGINT Unix seconds. Both tables reference their client: removing a client
-- (ClientStore::remove) deletes its codes and consents (ON DELETE CASCADE), and a row for a
-- client that does not exist is refused (the stores answer kNotFound). Neither references
-- users, as sessions and refresh families do not. client_id is COLLATE "C", as
-- oauth_clients.id is: compared and ordered byte for byte (ConsentStore::list goes by
-- created_at, then client_id).

-- An authorization code, kept as the SHA-256 of the code handed out (the code itself is never
-- stored). redeemed_at 0: not redeemed yet; redeem() sets it (at least 1) and family_id, the
-- refresh family the redemption started, in one conditional UPDATE (neither is indexed: a HOT
-- update). A redeemed code stays until purge() so that a replay is still recognised.
CREATE TABLE oauth_codes (
  hash           BYTEA PRIMARY KEY CHECK (octet_length(hash) = 32),
  client_id      TEXT COLLATE "C" NOT NULL REFERENCES oauth_clients (id) ON DELETE CASCADE,
  user_id        BYTEA NOT NULL CHECK (octet_length(user_id) = 16),
  redirect_uri   TEXT NOT NULL,
  scope          TEXT NOT NULL,
  nonce          TEXT NOT NULL,           -- '' if the request had none
  code_challenge TEXT NOT NULL,           -- PKCE S256 challenge, '' if none
  auth_time      BIGINT NOT NULL,
  amr            TEXT NOT NULL,
  created_at     BIGINT NOT NULL,
  expires_at     BIGINT NOT NULL,
  redeemed_at    BIGINT NOT NULL DEFAULT 0 CHECK (redeemed_at >= 0),
  family_id      BYTEA NOT NULL CHECK (octet_length(family_id) = 16)
);
-- purge().
CREATE INDEX oauth_codes_by_expiry ON oauth_codes (expires_at);
-- The cascade from oauth_clients, which would otherwise scan every code.
CREATE INDEX oauth_codes_by_client ON oauth_codes (client_id);

-- What each user has granted each client. put() inserts, or replaces scope and updated_at of
-- the row that exists (created_at stays). A user's grants are few: list() sorts them by
-- created_at, client_id from the primary key's range, with no index of its own.
CREATE TABLE oauth_consents (
  user_id    BYTEA NOT NULL CHECK (octet_length(user_id) = 16),
  client_id  TEXT COLLATE "C" NOT NULL REFERENCES oauth_clients (id) ON DELETE CASCADE,
  scope      TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, client_id)
);
-- The cascade from oauth_clients.
CREATE INDEX oauth_consents_by_client ON oauth_consents (client_id);
