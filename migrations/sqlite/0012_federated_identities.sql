-- 0012: federated sign-in (store/federated_identity_store.h): each user's identities at upstream
-- OpenID Connect providers, keyed by the provider's (issuer, sub), one user per identity.
-- Same rules as before: STRICT, BLOB ids with their lengths checked, times in Unix seconds, rows
-- that belong to a user reference it (ON DELETE CASCADE).
CREATE TABLE federated_identities (
  issuer    TEXT NOT NULL CHECK (issuer <> ''),
  sub       TEXT NOT NULL CHECK (sub <> ''),
  user_id   BLOB NOT NULL CHECK (length(user_id) = 16) REFERENCES users (id) ON DELETE CASCADE,
  email     TEXT NOT NULL DEFAULT '',
  linked_at INTEGER NOT NULL,
  PRIMARY KEY (issuer, sub)
) STRICT;
CREATE INDEX federated_identities_by_user ON federated_identities (user_id, linked_at);
