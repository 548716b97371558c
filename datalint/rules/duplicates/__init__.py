"""Duplicate, near-duplicate and contradiction rules (dataset rules)."""
