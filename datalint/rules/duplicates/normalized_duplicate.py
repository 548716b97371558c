from ...rule import DatasetRule

from ._clusters import cluster_finding, group_by


class NormalizedDuplicate(DatasetRule):
    """Records that are identical once case, whitespace, punctuation and Unicode forms are
    folded, but not byte-identical.

    ## What it does
    Compares the prompt and response (and the rejected answer of a preference pair, the other
    branches of a message tree) of every record after NFKC normalisation, case folding, and
    collapsing punctuation and whitespace ("What is AI?" and "what is ai" are equal).  Exact
    duplicates are left to ``exact-duplicate``; each remaining group is one cluster.

    ## Why it hurts fine-tuning
    Copies that differ only in a trailing space or a capital letter are still copies: they are
    memorised just like exact duplicates, and simple deduplication scripts miss them.

    ## Example
    ```
    {"instruction": "Name three primary colors.", "output": "Red, blue and yellow."}
    {"instruction": "name three primary colors", "output": "Red, blue, and yellow"}
    ```
    (the second differs in case and punctuation only)

    ## How to fix
    Keep one record of each cluster.

    ## Options
    None.
    """

    code = "D002"
    name = "normalized-duplicate"
    summary = "records identical after case, whitespace, punctuation and Unicode folding"
    severity = "warning"
    requires = frozenset({"records"})

    def check_dataset(self, dataset):
        res = dataset.resources
        records = dataset.records
        hashes = res.content_hashes()
        # all a record holds, as its hash does: two pairs that differ only in the rejected
        # answer, two trees that differ only in a side branch, are different records
        keys = list(zip(res.normalized("prompt"), res.normalized("response"),
                        res.normalized("rejected"), res.normalized("alternatives")))
        empty = [not (p or r) for p, r, _, _ in keys]
        for g in group_by(keys, empty):
            if len({hashes[i] for i in g}) < 2:
                continue  # all exact copies of one record: exact-duplicate reports them
            # report only what exact dedup leaves behind: one member per distinct record
            seen, members = set(), []
            for i in g:
                if hashes[i] not in seen:
                    seen.add(hashes[i])
                    members.append(i)
            yield cluster_finding(self, records, members,
                                  "duplicate after normalising case, spacing and punctuation")
