-- 0011: federated sign-in, as migrations/sqlite/0012 does (store/federated_identity_store.h):
-- each user's identities at upstream OpenID Connect providers, keyed by the provider's
-- (issuer, sub), one user per identity; the rows go with their user (ON DELETE CASCADE).
CREATE TABLE federated_identities (
  issuer    TEXT NOT NULL CHECK (issuer <> ''),
  sub       TEXT NOT NULL CHECK (sub <> ''),
  user_id   BYTEA NOT NULL CHECK (octet_length(user_id) = 16)
            REFERENCES users (id) ON DELETE CASCADE,
  email     TEXT NOT NULL DEFAULT '',
  linked_at BIGINT NOT NULL,
  PRIMARY KEY (issuer, sub)
);
CREATE INDEX federated_identities_by_user ON federated_identities (user_id, linked_at);
