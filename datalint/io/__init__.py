"""Reading: the canonical Record (:mod:`.record`), the readers of every input format
(:mod:`.readers`), the layout adapters that map raw fields to turns (:mod:`.layouts`), and the
batches the record pass hands to the rules (:mod:`.batch`)."""
