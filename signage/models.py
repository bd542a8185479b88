"""Models of the Permanent signs app."""
