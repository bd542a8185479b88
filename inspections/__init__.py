"""Findings pinned to elements, rectification, checklists, acceptance and material checks."""
