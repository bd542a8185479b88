"""The append-only, hash-chained audit trail every action writes to."""
