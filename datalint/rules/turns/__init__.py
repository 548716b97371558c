"""turns rules."""
