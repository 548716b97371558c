"""privacy rules."""
