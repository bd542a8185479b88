"""Models of the Audit trail app."""
