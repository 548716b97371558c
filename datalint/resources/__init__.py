"""Shared resources built lazily, once per run, for the dataset rules that declare them."""
