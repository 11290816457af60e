CREATE TABLE IF NOT EXISTS accounts (id bigserial PRIMARY KEY, name text NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS entries (
    id bigserial PRIMARY KEY,
    account bigint NOT NULL REFERENCES accounts (id),
    cents bigint NOT NULL
);
