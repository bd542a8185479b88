"""Models of the Inspections app."""
