-- 0009: the account lifecycle, as migrations/sqlite/0010 does (store/outbox_store.h,
-- store/account_token_store.h): whether a user's email is verified, the mail outbox, and the
-- one-time tokens of email verification, password reset and email change. Binary values are
-- BYTEA with their lengths checked, times BIGINT Unix seconds; rows that belong to a user
-- reference it (ON DELETE CASCADE).

-- Accounts created before this migration never proved their address: unverified.
ALTER TABLE users ADD COLUMN email_verified BOOLEAN NOT NULL DEFAULT FALSE;

-- One row per mail. The message is sealed by the auth layer (AEAD under the master key) and
-- erased once sent or failed. Senders on every node claim due mails with
-- SELECT ... FOR UPDATE SKIP LOCKED, so two nodes never take one mail.
CREATE TABLE outbox (
  id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind            TEXT NOT NULL CHECK (kind <> ''),
  recipient       TEXT NOT NULL CHECK (recipient <> ''),
  user_id         BYTEA CHECK (user_id IS NULL OR octet_length(user_id) = 16)
                  REFERENCES users (id) ON DELETE CASCADE,
  sealed_message  BYTEA NOT NULL,
  status          TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
  created_at      BIGINT NOT NULL,
  next_attempt_at BIGINT NOT NULL,
  claim           BYTEA CHECK (claim IS NULL OR octet_length(claim) = 16),
  claimed_until   BIGINT NOT NULL DEFAULT 0,
  attempts        BIGINT NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  finished_at     BIGINT NOT NULL DEFAULT 0,
  last_error      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX outbox_by_user ON outbox (user_id) WHERE user_id IS NOT NULL;

-- One-time tokens, stored as SHA-256 hashes. used_at 0: unused.
CREATE TABLE account_tokens (
  hash       BYTEA PRIMARY KEY CHECK (octet_length(hash) = 32),
  user_id    BYTEA NOT NULL CHECK (octet_length(user_id) = 16)
             REFERENCES users (id) ON DELETE CASCADE,
  purpose    TEXT NOT NULL CHECK (purpose IN ('verify_email', 'reset_password', 'change_email')),
  email      TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at    BIGINT NOT NULL DEFAULT 0 CHECK (used_at >= 0)
);
CREATE INDEX account_tokens_by_user ON account_tokens (user_id, purpose);
CREATE INDEX account_tokens_by_expiry ON account_tokens (expires_at);
