"""Production rules (dataset metrics): where the training prompts (and the eval set) do not
cover a sample of real production inputs (``--production FILE``)."""
