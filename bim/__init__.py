"""IFC models and versions, ingest, elements, storeys, footprints, diffs and IDS checks."""
