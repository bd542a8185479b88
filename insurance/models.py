"""Models of the Insurance app."""
