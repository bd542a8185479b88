"""Permanent signs naming the five responsible parties, generated from the register."""
