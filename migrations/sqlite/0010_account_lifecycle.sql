-- 0010: the account lifecycle (store/outbox_store.h, store/account_token_store.h): whether a
-- user's email is verified, the mail outbox, and the one-time tokens of email verification,
-- password reset and email change.
--
-- Same rules as before: STRICT, BLOB ids with their lengths checked, times in Unix seconds,
-- rows that belong to a user reference it (ON DELETE CASCADE; foreign keys are on for every
-- connection).

-- Accounts created before this migration never proved their address: unverified.
ALTER TABLE users ADD COLUMN email_verified INTEGER NOT NULL DEFAULT 0
  CHECK (email_verified IN (0, 1));

-- One row per mail. The message is sealed by the auth layer (AEAD under the master key: it
-- holds links with live tokens) and erased once sent or failed. AUTOINCREMENT: ids never come
-- back after a purge, so `tessera outbox show ID` always means one mail. A mail claimed by a
-- sender carries its claim token until its lease (claimed_until) lapses or the outcome is
-- recorded.
CREATE TABLE outbox (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  kind            TEXT NOT NULL CHECK (kind <> ''),
  recipient       TEXT NOT NULL CHECK (recipient <> ''),
  user_id         BLOB CHECK (user_id IS NULL OR length(user_id) = 16)
                  REFERENCES users (id) ON DELETE CASCADE,
  sealed_message  BLOB NOT NULL,
  status          TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
  created_at      INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  claim           BLOB CHECK (claim IS NULL OR length(claim) = 16),
  claimed_until   INTEGER NOT NULL DEFAULT 0,
  attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  finished_at     INTEGER NOT NULL DEFAULT 0,
  last_error      TEXT NOT NULL DEFAULT ''
) STRICT;
-- The senders' claim query: pending mails in due order.
CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX outbox_by_user ON outbox (user_id) WHERE user_id IS NOT NULL;

-- One-time tokens, stored as SHA-256 hashes. used_at 0: unused (also set when a later event
-- kills the token).
CREATE TABLE account_tokens (
  hash       BLOB PRIMARY KEY CHECK (length(hash) = 32),
  user_id    BLOB NOT NULL CHECK (length(user_id) = 16) REFERENCES users (id) ON DELETE CASCADE,
  purpose    TEXT NOT NULL CHECK (purpose IN ('verify_email', 'reset_password', 'change_email')),
  email      TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at    INTEGER NOT NULL DEFAULT 0 CHECK (used_at >= 0)
) STRICT, WITHOUT ROWID;
CREATE INDEX account_tokens_by_user ON account_tokens (user_id, purpose);
CREATE INDEX account_tokens_by_expiry ON account_tokens (expires_at);
