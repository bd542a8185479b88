"""Models of the Accounts app."""
