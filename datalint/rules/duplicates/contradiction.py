from dataclasses import dataclass

import numpy as np

from ...resources.texts import is_short_answer
from ...rule import DatasetRule

from ._clusters import quote, where
from ._semantic import PER_TEXT, numbers


class Contradiction(DatasetRule):
    """Paraphrased prompts whose short answers disagree.

    ## What it does
    Finds pairs of prompts that say the same thing in other words (nearest neighbours in the
    shared embedding index, closer than ``ratio`` times the dataset's median
    nearest-neighbour distance), then compares their answers.  Only *short* answers are
    compared — labels, yes/no, numbers, single entities (at most ``max-words`` words and
    ``max-chars`` characters): when two such answers differ after case and punctuation
    folding, the data teaches two answers to one question.  Long free answers that merely
    differ in wording are left alone (five different poems for "write a poem" are fine).
    Identical prompts are the business of ``conflicting-answers``; prompts carrying
    different numbers ask different things and are not compared.

    Each pair found with the fast embedding tier is confirmed with the full model: its
    prompts must also be closer than ``ratio`` times the full model's median neighbour
    distance (estimated on a seeded sample of 128 texts).

    ## Why it hurts fine-tuning
    Contradictory supervision is noise the model cannot fit: it learns to hedge or to pick an
    answer at random, and its confidence on the whole topic drops.

    ## Example
    ```
    {"instruction": "Is the Great Wall of China visible from space with the naked eye?", "output": "No"}
    {"instruction": "Can you see the Great Wall of China from space without aid?", "output": "Yes"}
    ```

    ## How to fix
    Decide which answer is right and fix the other record, or drop one of them.  The finding
    shows both prompts, both answers and their similarity.

    ## Options
    ``ratio`` (float, default 0.3): how close two prompts must be, as a share of the median
    nearest-neighbour distance.  ``max-words`` (int, default 3) and ``max-chars`` (int, default
    40): what counts as a short answer.
    """

    code = "D008"
    name = "contradiction"
    summary = "paraphrased prompts whose short answers disagree"
    severity = "error"
    requires = frozenset({"records", "embeddings"})
    neighbours = 10

    @dataclass
    class Options:
        ratio: float = 0.3
        max_words: int = 3
        max_chars: int = 40

    def check_dataset(self, dataset):
        res = dataset.resources
        records = dataset.records
        if not records or len(records) < 3:
            return
        o = self.options
        answers_raw = res.texts("response")
        short = [is_short_answer(a, o.max_words, o.max_chars) for a in answers_raw]
        if sum(short) < 2:
            return
        answers = res.normalized("response")
        prompts_norm = res.normalized("prompt")
        prompts_raw = res.texts("prompt")
        nb = res.neighbours("prompt")
        if nb.sims.shape[1] == 0:
            return
        scale = nb.median_distance()
        limit = 1.0 - o.ratio * scale
        candidates: dict[tuple[int, int], float] = {}
        for t, recs in enumerate(nb.records):
            mine = [r for r in recs if short[r]][:PER_TEXT]
            if not mine:
                continue
            for q, s in zip(nb.idx[t], nb.sims[t]):
                if q < 0 or s < limit:
                    break
                for r in mine:
                    for u in nb.records[q][:PER_TEXT]:
                        if not short[u] or answers[r] == answers[u] or \
                                prompts_norm[r] == prompts_norm[u] or \
                                numbers(prompts_raw[r]) != numbers(prompts_raw[u]):
                            continue
                        key = (r, u) if r < u else (u, r)
                        candidates[key] = max(candidates.get(key, -1.0), float(s))
        if not candidates:
            return
        pairs = np.array(sorted(candidates), dtype=np.int64)
        full = res.pair_similarity("prompt", pairs, "full")
        full_limit = 1.0 - o.ratio * res.full_scale("prompt")
        seen_prompts: set[tuple[str, str]] = set()
        for (i, j), s_full in zip(pairs.tolist(), full.tolist()):
            if s_full < full_limit:
                continue
            key = (prompts_norm[i], prompts_norm[j])
            if key in seen_prompts:
                continue
            seen_prompts.add(key)
            a, b = sorted((i, j), key=lambda k: (records[k].path, records[k].index))
            yield self.finding(
                records[b],
                f"contradicts {where(records[a])}: {quote(prompts_raw[a], 50)} -> "
                f"{quote(answers_raw[a])} but {quote(prompts_raw[b], 50)} -> "
                f"{quote(answers_raw[b])} "
                f"(prompt similarity {s_full:.3f})",
                related=[records[a].location()],
                data={"prompts": [prompts_raw[a], prompts_raw[b]],
                      "answers": [answers_raw[a], answers_raw[b]],
                      "similarity": round(s_full, 4),
                      "fast_similarity": round(candidates[(i, j)], 4),
                      "threshold": round(full_limit, 4)})
