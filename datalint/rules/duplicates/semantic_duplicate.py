from dataclasses import dataclass

import numpy as np

from ...rule import DatasetRule

from ...resources.texts import is_short_answer

from ._clusters import cluster_finding
from ._prompts import prompt_groups
from ._semantic import candidate_pairs, median_nn_distance, role_similarity
from ._tasks import (different_input, different_task, different_tools, labels, record_tool_sets,
                     shared_passage)
from .duplicate_prompt import DuplicatePrompt, repeated_prompts
from .near_duplicate import NearDuplicate, near_clusters


class SemanticDuplicate(DatasetRule):
    """Paraphrased records: the same question and the same answer in other words.

    ## What it does
    Embeds the prompt and the response of every record separately (template lines shared by
    many records removed first), finds each text's nearest neighbours in the shared kNN index,
    and scores a pair of records by the mean of their prompt and response cosine similarities.
    A pair is a semantic duplicate when its distance (1 - score) is at most ``ratio`` times
    the median distance between a record and its nearest neighbour in this dataset: the
    threshold is relative to the dataset's own neighbour distribution, so it adapts to tight
    templated data, diverse data, and other embedding models.  When both answers are short
    labels ("positive", "Yes", "4"), the pair scores the lower of the two similarities: one
    classification instruction over two different inputs with the same label is not a
    duplicate, two near-identical inputs with that label are.  When a long passage (an
    article, a list of countries) makes up most of both prompts, the prompts are scored on
    the words they do not share: "which of these hosted the Olympics" and "which of these
    won a World Cup" over one list are two questions.  Pairs whose prompts ask for different
    things are left alone: different numbers, in digits or words (``Sort 2, 5, 3`` and
    ``Sort 8, 4``; "first season" and "second season"; "today" and "tomorrow"), different
    names, URLs, paths or formulas, a swapped direction ("Celsius to Fahrenheit"), or one
    instruction over different inputs; so are answers that put one question to different
    tools their prompts offer (``news(…)`` / ``search(…)``: they teach different calls).
    Pairs are joined into clusters, never chaining prompts about different names or
    numbers, or answers calling different tools.

    A pair is shown once, by the most specific rule: exact and normalised copies are left to
    those rules, pairs of one prompt with several answers to ``duplicate-prompt``, pairs of
    one near-copy cluster to ``near-duplicate``, and a near-copy cluster is shown here as
    the record it keeps (so ``clean`` keeps one record of the two clusters).  Texts the
    embedding model does not cover (a script its vocabulary lacks, such as Chinese for the
    default English model) are left out and counted in the report's notes.

    Measured (``benchmarks/precision.py``, seed 0, 40 findings sampled from 12 public
    fine-tuning files and judged by reading each record): 36 real defects, none false, 4
    arguable (a narrower request beside a broader one: "the top three stories" / "the top
    stories", "five geometric shapes" / "the basic shapes"; the same dialogue under tool
    schemas that scale an argument differently).  Before the count and tool guards, 35 of
    40, and 2 false: a 3x3 table against a two-column table, one question put to ``news()``
    and to ``search()``.

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
        p_sim = role_similarity(res, "prompt", pairs)
        a_sim = role_similarity(res, "response", pairs)
        # a label ("positive", "Yes", "4") says nothing about whether two records are one: two
        # reviews with the same label are a duplicate only when the reviews are
        short = np.fromiter((is_short_answer(t) for t in res.texts("response")), dtype=bool,
                            count=len(records))
        labelled = short[pairs[:, 0]] & short[pairs[:, 1]]
        score = np.where(labelled, np.minimum(p_sim, a_sim), (p_sim + a_sim) / 2)
        scale = median_nn_distance(pairs, score, len(records))
        limit = self.options.ratio * scale
        close = (1.0 - score) <= limit
        raw = res.embed_texts("prompt")  # without the template lines
        tools = record_tool_sets(res).__getitem__
        for k in np.flatnonzero(close):
            i, j = pairs[k]
            if different_tools(tools(i), tools(j)) or self.options.numbers_must_match and (
                    different_task(raw[i], raw[j]) or different_input(
                        raw[i].split("\n"), raw[j].split("\n"))):
                close[k] = False
        _passages(res, pairs, close, score, a_sim, labelled, 1.0 - limit)
        # what a more specific rule reports is shown there: pairs of one prompt with several
        # answers (duplicate-prompt) or of one near-copy cluster (near-duplicate) are left
        # out, and a near-copy cluster is shown as the one record it keeps
        near = res.measurement(NearDuplicate, near_clusters).reported(records)
        key = prompt_groups(res).key
        repeated = {key[members[0]] for members, _, _ in
                    res.measurement(DuplicatePrompt, repeated_prompts)}
        best: dict[int, float] = {}
        chosen = []
        for (i, j), s in zip(pairs[close].tolist(), score[close].tolist()):
            if near.together(i, j) or (key[i] and key[i] == key[j] and key[i] in repeated):
                continue
            chosen.append((i, j))
            best[i] = max(best.get(i, -1.0), s)
            best[j] = max(best.get(j, -1.0), s)
        from ...resources.minhash import union_find_clusters

        local = {r: k for k, r in enumerate(sorted(best))}
        inverse = sorted(best)
        # a chain of close pairs must not join prompts about different names or numbers
        masked = res.embed_texts("prompt")
        marks = (lambda k: (*labels(masked[inverse[k]]), tools(inverse[k]))) \
            if self.options.numbers_must_match else (lambda k: tools(inverse[k]))
        groups = union_find_clusters(len(local), [(local[i], local[j]) for i, j in chosen], marks)
        # each group shown with one record per near-copy cluster (the one it keeps); groups
        # that meet in one such record are one finding
        reps = sorted({near.rep[r] for r in inverse})
        at = {r: k for k, r in enumerate(reps)}
        links = [(at[near.rep[inverse[g[0]]]], at[near.rep[inverse[k]]]) for g in groups for k in g]
        top_of = {}
        for g in groups:
            for k in g:
                r = near.rep[inverse[k]]
                top_of[r] = max(top_of.get(r, -1.0), best[inverse[k]])
        threshold = 1.0 - limit
        for merged in union_find_clusters(len(reps), links):
            members = [reps[k] for k in merged]
            top = max(top_of[m] for m in members)
            yield cluster_finding(
                self, records, members, "semantic duplicate",
                extra=f" (embedding similarity up to {top:.3f}; threshold {threshold:.3f})",
                data={"max_similarity": round(top, 4), "threshold": round(threshold, 4),
                      "median_nn_distance": round(scale, 4)})


def _passages(res, pairs, close, score, a_sim, labelled, threshold) -> None:
    """Close pairs whose prompts are mostly one shared passage — an article with a question
    after it, a long list — are scored again on the parts of the prompts that differ, which
    the passage hides from an embedding of the whole prompt; ``close`` and ``score`` are
    updated in place."""
    texts = res.embed_texts("prompt")
    ks, parts = [], []
    for k in np.flatnonzero(close):
        i, j = pairs[k]
        diff = shared_passage(texts[i], texts[j])
        if diff is not None:
            ks.append(k)
            parts.extend(diff)
    if not ks:
        return
    vecs = res.embed(parts, "fast")
    sims = np.einsum("ij,ij->i", vecs[0::2], vecs[1::2])
    for k, s in zip(ks, sims.tolist()):
        score[k] = min(s, a_sim[k]) if labelled[k] else (s + a_sim[k]) / 2
        close[k] = score[k] >= threshold
