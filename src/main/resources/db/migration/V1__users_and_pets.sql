-- Users and their pets. The CHECK constraints mirror the request validation rules, so a row that
-- bypassed the API (or a validator bug) still cannot hold a value the API would reject.

CREATE TABLE users (
    id             uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    email          text        NOT NULL CHECK (char_length(email) BETWEEN 3 AND 254 AND email = lower(email)),
    name           text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100 AND name = btrim(name)),
    role           text        NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
    scopes         text[]      NOT NULL DEFAULT '{}'
                               CHECK (scopes <@ ARRAY['read:pets', 'write:pets', 'delete:pets', 'admin:all']),
    password_hash  text        NOT NULL CHECK (password_hash LIKE '$argon2id$%' OR password_hash LIKE '$2%'),
    api_keys       jsonb       NOT NULL DEFAULT '[]'::jsonb,
    internal_notes text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    last_login_at  timestamptz
);

CREATE UNIQUE INDEX users_email_key ON users (email);

CREATE TABLE pets (
    id         uuid             PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_id   uuid             NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name       text             NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100 AND name = btrim(name)),
    species    text             NOT NULL CHECK (species IN ('DOG', 'CAT', 'BIRD', 'RABBIT')),
    breed      text             CHECK (char_length(breed) <= 100 AND breed = btrim(breed)),
    age        integer          CHECK (age BETWEEN 0 AND 30),
    weight     double precision CHECK (weight >= 0 AND weight <= 500),
    is_public  boolean          NOT NULL DEFAULT false,
    created_at timestamptz      NOT NULL DEFAULT now(),
    updated_at timestamptz      NOT NULL DEFAULT now()
);

-- Keyset pagination: a caller's pets, and all public pets, in (created_at, id) order.
CREATE INDEX pets_owner_page ON pets (owner_id, created_at, id);
CREATE INDEX pets_public_page ON pets (created_at, id) WHERE is_public;
