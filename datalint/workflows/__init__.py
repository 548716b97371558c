"""What users do with a run beyond reading the report: adopt datalint on a dataset with known
findings (:mod:`.baseline`), compare two versions (:mod:`.diff`), write a cleaned copy
(:mod:`.clean`)."""
