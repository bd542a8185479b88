"""Models of the Projects app."""
