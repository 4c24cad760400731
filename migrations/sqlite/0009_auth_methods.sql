-- 0009: how each session and refresh family was authenticated (auth/auth_context.h): the RFC
-- 8176 "amr" values, space-separated, beside the auth_time both tables already keep. Rows
-- written before this migration were all password logins (nothing else signed users in), so
-- they get 'pwd'. The column is only ever rewritten with the credential (never by a refresh or
-- a touch), so a refresh never changes how, or when, the user authenticated.
ALTER TABLE sessions ADD COLUMN amr TEXT NOT NULL DEFAULT 'pwd';
ALTER TABLE refresh_families ADD COLUMN amr TEXT NOT NULL DEFAULT 'pwd';
