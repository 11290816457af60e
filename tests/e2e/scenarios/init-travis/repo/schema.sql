CREATE TABLE IF NOT EXISTS books (
    isbn text PRIMARY KEY,
    title text NOT NULL,
    author text NOT NULL,
    shelf integer NOT NULL CHECK (shelf > 0)
);
