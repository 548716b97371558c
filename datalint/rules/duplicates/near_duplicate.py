from dataclasses import dataclass

from ...rule import DatasetRule

from ._clusters import cluster_finding


class NearDuplicate(DatasetRule):
    """Lexical near-copies: records whose prompt and answer share most of their word sequences.

    ## What it does
    Compares the normalised prompt and response of every record as sets of word 3-grams.
    Shingles found in more than ``template-share`` of the records — a fixed instruction
    preamble, a tool header, boilerplate copied into every prompt — are masked first, so
    templated data does not collapse into one cluster.  MinHash signatures with LSH banding
    propose candidate pairs; each is confirmed with the exact Jaccard similarity, and pairs at or
    above ``threshold`` are joined into clusters (records that are exact or normalised copies are
    left to those rules).

    ## Why it hurts fine-tuning
    Near-copies (a changed name, a reworded first sentence, the same answer with one extra line)
    are memorised like exact copies and over-weight one behaviour; simple deduplication misses
    them.

    ## Example
    ```
    {"instruction": "Summarize the French Revolution.", "output": "The French Revolution (1789-1799) ..."}
    {"instruction": "Summarize the French Revolution briefly.", "output": "The French Revolution (1789-1799) ..."}
    ```

    ## How to fix
    Keep one record per cluster, or rewrite the copies so each teaches something different.

    ## Options
    ``threshold`` (float, default 0.7): Jaccard similarity of the word 3-gram sets at which two
    records are near-duplicates.  ``template-share`` (float, default 0.05): shingles in more than
    this share of records are masked as template.  ``ngram`` (int, default 3): words per
    shingle.
    """

    code = "D005"
    name = "near-duplicate"
    summary = "lexical near-copies (MinHash + exact Jaccard, template-aware)"
    severity = "warning"
    requires = frozenset({"records"})

    @dataclass
    class Options:
        threshold: float = 0.7
        template_share: float = 0.05
        ngram: int = 3

    def check_dataset(self, dataset):
        from ...resources.minhash import near_duplicate_pairs, union_find_clusters

        res = dataset.resources
        records = dataset.records
        prompts, answers = res.normalized("prompt"), res.normalized("response")
        # compare each distinct (normalised) record once
        first: dict[tuple[str, str], int] = {}
        for i, key in enumerate(zip(prompts, answers)):
            if key[0] or key[1]:
                first.setdefault(key, i)
        keys = list(first)
        texts = [f"{p} || {a}" for p, a in keys]
        o = self.options
        pairs, masked = near_duplicate_pairs(texts, o.threshold, o.ngram, o.template_share)
        best: dict[int, float] = {}
        for i, j, jac in pairs:
            best[i] = max(best.get(i, 0.0), jac)
            best[j] = max(best.get(j, 0.0), jac)
        for group in union_find_clusters(len(keys), pairs):
            members = [first[keys[k]] for k in group]
            top = max(best[k] for k in group)
            yield cluster_finding(
                self, records, members, "near-duplicate",
                extra=f" (word-shingle Jaccard up to {top:.2f})",
                data={"max_jaccard": round(top, 3), "template_masked_share": round(masked, 3)})
