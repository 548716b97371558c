from dataclasses import dataclass

import numpy as np

from ...rule import DatasetRule

from ._clusters import cluster_finding
from ._semantic import candidate_pairs, median_nn_distance, role_similarity
from ._tasks import different_input, different_task, labels


class SemanticDuplicate(DatasetRule):
    """Paraphrased records: the same question and the same answer in other words.

    ## What it does
    Embeds the prompt and the response of every record separately (template lines shared by
    many records removed first), finds each text's nearest neighbours in the shared kNN index,
    and scores a pair of records by the mean of their prompt and response cosine similarities.
    A pair is a semantic duplicate when its distance (1 - score) is at most ``ratio`` times
    the median distance between a record and its nearest neighbour in this dataset: the
    threshold is relative to the dataset's own neighbour distribution, so it adapts to tight
    templated data, diverse data, and other embedding models.  Pairs whose prompts ask for
    different things are left alone: different numbers (``Sort 2, 5, 3`` and ``Sort 8, 4``;
    "first season" and "second season"), different names, a swapped direction ("Celsius to
    Fahrenheit"), or one instruction over different inputs.
    Pairs are joined into clusters, never chaining prompts about different names or numbers;
    exact and normalised copies are left to those rules.  Texts the embedding model does not
    cover (a script its vocabulary lacks, such as Chinese for the default English model) are
    left out and counted in the report's notes.

    Similarities come from the fast tier (a static model distilled from the embedding
    model).  Measured on the GPTeacher Toolformer labels (records the author removed as
    near-duplicates), the full transformer gave the same recall at the same false-flag rate
    while costing ~40x the time, so it is not used here.

    ## Why it hurts fine-tuning
    Paraphrased copies are memorised like exact ones: the model sees one behaviour many times,
    over-weights it, and generalises worse.  Lexical deduplication misses them.

    ## Example
    ```
    {"instruction": "Explain the difference between HTML and CSS.", "output": "HTML structures a page; CSS styles it..."}
    {"instruction": "What are the differences between HTML and CSS?", "output": "HTML is the structure of a web page, CSS its styling..."}
    ```

    ## How to fix
    Keep one record per cluster (the representative named in the finding), or rewrite the
    others so each teaches something new.

    ## Options
    ``ratio`` (float, default 0.3): a pair is a duplicate when its distance is at most this
    share of the dataset's median nearest-neighbour distance (lower = stricter).
    ``numbers-must-match`` (bool, default true): prompts that differ in numbers, names,
    direction or input are never duplicates (false: only the embeddings decide).
    """

    code = "D006"
    name = "semantic-duplicate"
    summary = "paraphrased records: prompt and answer both close in embedding space"
    severity = "warning"
    requires = frozenset({"records", "embeddings"})
    neighbours = 10

    @dataclass
    class Options:
        ratio: float = 0.3
        numbers_must_match: bool = True

    def check_dataset(self, dataset):
        res = dataset.resources
        records = dataset.records
        if not records or len(records) < 3:
            return
        prompts, answers = res.normalized("prompt"), res.normalized("response")
        # one representative per distinct (prompt, answer): copies belong to other rules
        first: dict[tuple[str, str], int] = {}
        for i, key in enumerate(zip(prompts, answers)):
            if key[0] or key[1]:
                first.setdefault(key, i)
        keep = np.zeros(len(records), dtype=bool)
        keep[list(first.values())] = True
        # texts the model does not cover are left out of the score too, not only the index
        for role in ("prompt", "response"):
            keep &= np.array([s is None for s in res.uncovered(role)], dtype=bool)
            res.note_uncovered(role)
        pairs = candidate_pairs(res, keep=keep)
        if len(pairs) == 0:
            return
        score = (role_similarity(res, "prompt", pairs) + role_similarity(res, "response", pairs)) / 2
        scale = median_nn_distance(pairs, score, len(records))
        limit = self.options.ratio * scale
        close = (1.0 - score) <= limit
        if self.options.numbers_must_match:
            raw = res.embed_texts("prompt")  # without the template lines
            for k in np.flatnonzero(close):
                i, j = pairs[k]
                if different_task(raw[i], raw[j]) or different_input(
                        raw[i].split("\n"), raw[j].split("\n")):
                    close[k] = False
        from ...resources.minhash import union_find_clusters

        chosen = pairs[close]
        sims = score[close]
        best: dict[int, float] = {}
        for (i, j), s in zip(chosen.tolist(), sims.tolist()):
            best[i] = max(best.get(i, -1.0), s)
            best[j] = max(best.get(j, -1.0), s)
        local = {r: k for k, r in enumerate(sorted(best))}
        inverse = sorted(best)
        # a chain of close pairs must not join prompts about different names or numbers
        masked = res.embed_texts("prompt")
        marks = (lambda k: labels(masked[inverse[k]])) if self.options.numbers_must_match \
            else None
        groups = union_find_clusters(
            len(local), [(local[i], local[j]) for i, j in chosen.tolist()], marks)
        threshold = 1.0 - limit
        for group in groups:
            members = [inverse[k] for k in group]
            top = max(best[m] for m in members)
            yield cluster_finding(
                self, records, members, "semantic duplicate",
                extra=f" (embedding similarity up to {top:.3f}; threshold {threshold:.3f})",
                data={"max_similarity": round(top, 4), "threshold": round(threshold, 4),
                      "median_nn_distance": round(scale, 4)})
