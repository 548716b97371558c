"""Style rules (dataset metrics): one voice, signature phrases, author concentration."""
