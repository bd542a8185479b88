"""Models of the BIM app."""
