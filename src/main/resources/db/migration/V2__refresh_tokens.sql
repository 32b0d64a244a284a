-- Refresh tokens, rotated on every use. A login starts a family; every refresh token it leads to
-- belongs to that family, so presenting a spent token revokes the whole login at once.

CREATE TABLE token_families (
    id         uuid        PRIMARY KEY,
    user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);

-- Only the SHA-256 of each token is stored: the tokens are 256-bit random values, so a fast hash
-- leaves nothing to guess, and a database leak reveals no usable token.
CREATE TABLE refresh_tokens (
    token_hash bytea       PRIMARY KEY CHECK (octet_length(token_hash) = 32),
    family_id  uuid        NOT NULL REFERENCES token_families (id) ON DELETE CASCADE,
    user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);

CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX token_families_user ON token_families (user_id);
