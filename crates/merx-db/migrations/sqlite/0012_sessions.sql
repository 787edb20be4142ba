-- Revocation: an identity's token version is carried by every token and cookie session issued for
-- it; a password change or a logout increments it, so everything issued before stops working.
ALTER TABLE auth_identity ADD COLUMN token_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE auth_session ADD COLUMN token_version INTEGER NOT NULL DEFAULT 0;
-- When the person behind a session last proved who they are (its token's auth_time): refresh stops
-- at an absolute limit from it. NULL for sessions from before this column (their created_at counts).
ALTER TABLE auth_session ADD COLUMN authenticated_at TEXT;
-- A revocation deletes the identity's sessions.
CREATE INDEX auth_session_identity ON auth_session (auth_identity_id);
