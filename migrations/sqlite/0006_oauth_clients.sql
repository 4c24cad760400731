-- 0006: OAuth 2.0 clients (store/client_store.h). One row per client, read whole.
--
-- Same rules as before: STRICT, enums and booleans CHECKed, times in Unix seconds. The four
-- lists are JSON arrays of strings in the caller's order, as users.roles is (a row whose list
-- does not decode is kCorrupt). The secret is kept only as its SHA-256 (32 bytes; NULL: the
-- client has none); the raw secret is shown once when made and never stored.
--
-- A rowid table (unlike users): a client's row carries its JWKS, which may run to kilobytes, and
-- WITHOUT ROWID suits small rows only. The id's PRIMARY KEY is then its own unique index.
CREATE TABLE oauth_clients (
  id                        TEXT PRIMARY KEY NOT NULL,  -- client_id, compared byte for byte
  name                      TEXT NOT NULL,
  type                      TEXT NOT NULL CHECK (type IN ('public', 'confidential')),
  auth_method               TEXT NOT NULL CHECK (auth_method IN ('none', 'client_secret_basic',
                                                 'client_secret_post', 'private_key_jwt')),
  redirect_uris             TEXT NOT NULL DEFAULT '[]',
  post_logout_redirect_uris TEXT NOT NULL DEFAULT '[]',
  grant_types               TEXT NOT NULL DEFAULT '[]',
  scopes                    TEXT NOT NULL DEFAULT '[]',
  first_party               INTEGER NOT NULL DEFAULT 0 CHECK (first_party IN (0, 1)),
  jwks                      TEXT NOT NULL DEFAULT '',   -- the client's JWKS JSON text, or ''
  secret_hash               BLOB CHECK (secret_hash IS NULL OR length(secret_hash) = 32),
  created_at                INTEGER NOT NULL,
  updated_at                INTEGER NOT NULL
) STRICT;
-- ClientStore::list's order.
CREATE INDEX oauth_clients_by_created ON oauth_clients (created_at, id);
