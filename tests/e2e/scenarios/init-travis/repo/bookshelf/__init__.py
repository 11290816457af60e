"""A catalogue of books kept in PostgreSQL, with lookups cached in redis."""
