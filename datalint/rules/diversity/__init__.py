"""Diversity rules (dataset metrics): lexical diversity, templates, canned answers, lengths."""
