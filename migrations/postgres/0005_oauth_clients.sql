-- 0005: OAuth 2.0 clients (store/client_store.h), as migrations/sqlite/0006 adds them. One row
-- per client, read whole.
--
-- The four lists are TEXT[] in the caller's order, checked as users.roles is (one dimension, no
-- NULLs). The secret is kept only as its SHA-256 (32 bytes; NULL: the client has none); the raw
-- secret is shown once when made and never stored. The id is COLLATE "C": compared and ordered
-- byte for byte whatever the database's locale, as the other backends compare and order it
-- (ClientStore::list goes by created_at, then id).
CREATE TABLE oauth_clients (
  id                        TEXT COLLATE "C" PRIMARY KEY,  -- client_id
  name                      TEXT NOT NULL,
  type                      TEXT NOT NULL CHECK (type IN ('public', 'confidential')),
  auth_method               TEXT NOT NULL CHECK (auth_method IN ('none', 'client_secret_basic',
                                                 'client_secret_post', 'private_key_jwt')),
  redirect_uris             TEXT[] NOT NULL DEFAULT '{}'
                            CHECK (cardinality(redirect_uris) = 0 OR array_ndims(redirect_uris) = 1)
                            CHECK (array_position(redirect_uris, NULL) IS NULL),
  post_logout_redirect_uris TEXT[] NOT NULL DEFAULT '{}'
                            CHECK (cardinality(post_logout_redirect_uris) = 0
                                   OR array_ndims(post_logout_redirect_uris) = 1)
                            CHECK (array_position(post_logout_redirect_uris, NULL) IS NULL),
  grant_types               TEXT[] NOT NULL DEFAULT '{}'
                            CHECK (cardinality(grant_types) = 0 OR array_ndims(grant_types) = 1)
                            CHECK (array_position(grant_types, NULL) IS NULL),
  scopes                    TEXT[] NOT NULL DEFAULT '{}'
                            CHECK (cardinality(scopes) = 0 OR array_ndims(scopes) = 1)
                            CHECK (array_position(scopes, NULL) IS NULL),
  first_party               BOOLEAN NOT NULL DEFAULT FALSE,
  jwks                      TEXT NOT NULL DEFAULT '',      -- the client's JWKS JSON text, or ''
  secret_hash               BYTEA CHECK (secret_hash IS NULL OR octet_length(secret_hash) = 32),
  created_at                BIGINT NOT NULL,
  updated_at                BIGINT NOT NULL
);
-- ClientStore::list's order.
CREATE INDEX oauth_clients_by_created ON oauth_clients (created_at, id);
