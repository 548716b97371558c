from dataclasses import dataclass

import numpy as np

from ...report.model import Skipped
from ...resources.texts import normalize, prompt_text, response_text, strip_lines
from ...rule import DatasetRule

from ._clusters import quote, where
from ._tasks import numbers


class TrainEvalOverlap(DatasetRule):
    """Eval records whose prompt also appears in the training data.

    ## What it does
    With ``--eval FILE`` (repeatable, or ``eval = [...]`` in the config), reads the eval set
    with the same readers and compares each eval prompt with every training prompt, in three
    steps: *exact* (identical after case, whitespace, punctuation and Unicode folding),
    *near-exact* (word 3-gram Jaccard similarity at least ``jaccard``, MinHash + LSH), and
    *paraphrase* (embedding similarity closer than ``ratio`` times the training set's median
    nearest-neighbour distance, found with the fast tier and confirmed with the full model).
    Template lines shared by most training prompts are ignored, and prompts with different
    numbers are neither near copies nor paraphrases (the same wording about other numbers is
    another question).  The finding says whether the answer is the same too.

    Without an eval set the rule is reported as skipped, not passed.

    ## Why it hurts fine-tuning
    A contaminated eval measures memorisation: the scores look good while the model may have
    regressed on everything the eval was meant to represent, and the regression reaches
    production unseen.

    ## Example
    ```
    train.jsonl: {"instruction": "What is the capital of Australia?", "output": "Canberra"}
    eval.jsonl:  {"instruction": "what is the capital of australia", "output": "Canberra"}
    ```

    ## How to fix
    Remove the overlapping records from the eval set (or from training), then re-measure.

    ## Options
    ``jaccard`` (float, default 0.7): word 3-gram Jaccard similarity for near-exact copies.
    ``ratio`` (float, default 0.3): how close a paraphrase must be, as a share of the
    training set's median nearest-neighbour distance.  ``paraphrase`` (bool, default true):
    also look for paraphrases (needs the embedding model).
    """

    code = "D009"
    name = "train-eval-overlap"
    summary = "eval prompts that appear in training exactly, near-exactly or as paraphrases"
    severity = "error"
    requires = frozenset({"records", "eval", "embeddings"})
    neighbours = 10

    @dataclass
    class Options:
        jaccard: float = 0.7
        ratio: float = 0.3
        paraphrase: bool = True

    def check_dataset(self, dataset):
        res = dataset.resources
        evals = res.settings.eval
        if evals is None:
            yield Skipped(self.code, self.name,
                          "no eval set: pass --eval FILE (or eval = [...] in the config)")
            return
        records = dataset.records or []
        if not records or not evals:
            return
        o = self.options
        train_p = res.texts("prompt")
        train_n = res.normalized("prompt")
        train_r = res.normalized("response")
        eval_p = [prompt_text(e) for e in evals]
        eval_n = [normalize(t) for t in eval_p]
        eval_r = [normalize(response_text(e)) for e in evals]
        found: dict[int, tuple[int, str, float]] = {}  # eval index -> (train index, kind, sim)

        first: dict[str, int] = {}
        for i, t in enumerate(train_n):
            if t:
                first.setdefault(t, i)
        for e, t in enumerate(eval_n):
            if t and t in first:
                found[e] = (first[t], "exact", 1.0)

        from ...resources.minhash import near_duplicate_pairs

        rest = [e for e in range(len(evals)) if e not in found and eval_n[e]]
        if rest:
            texts = [t for t in first] + [eval_n[e] for e in rest]
            firsts = list(first.values())
            n = len(firsts)
            pairs, _ = near_duplicate_pairs(texts, o.jaccard)
            for i, j, jac in pairs:
                if (i < n) == (j < n):
                    continue
                tr, ev = (i, j) if i < n else (j, i)
                e = rest[ev - n]
                if numbers(eval_p[e]) != numbers(train_p[firsts[tr]]):
                    continue  # the same wording about other numbers is another question
                if e not in found or jac > found[e][2]:
                    found[e] = (firsts[tr], "near-exact", float(jac))

        rest = [e for e in range(len(evals)) if e not in found and eval_n[e]]
        if rest and o.paraphrase:
            found.update(self._paraphrases(res, eval_p, rest, train_p))

        for e in sorted(found, key=lambda k: (evals[k].path, evals[k].index)):
            t, kind, sim = found[e]
            same_answer = bool(eval_r[e]) and eval_r[e] == train_r[t]
            how = {"exact": "the same prompt",
                   "near-exact": f"a near copy (Jaccard {sim:.2f})",
                   "paraphrase": f"a paraphrase (similarity {sim:.3f})"}[kind]
            yield self.finding(
                evals[e],
                f"eval prompt {quote(eval_p[e], 60)} is {how} of training record "
                f"{where(records[t])}" + ("; the answer is the same too" if same_answer else ""),
                related=[records[t].location()],
                data={"kind": kind, "similarity": round(sim, 4), "same_answer": same_answer})

    def _paraphrases(self, res, eval_p, rest, train_p):
        from ...resources.knn import knn

        nb = res.neighbours("prompt")
        if len(nb.texts) == 0:
            return {}
        scale = nb.median_distance()
        limit = 1.0 - self.options.ratio * scale
        queries = strip_lines([eval_p[e] for e in rest], res.template("prompt"))
        held = res.model_scripts()
        if held is not None:  # eval prompts the model cannot represent are not compared
            from ...resources.coverage import text_script

            ok = [k for k, q in enumerate(queries) if text_script(q, held) is None]
            rest, queries = [rest[k] for k in ok], [queries[k] for k in ok]
            if not rest:
                return {}
        qv = res.embed(queries, "fast")
        sims, idx = knn(nb.vectors, 3, queries=qv)
        cand = []
        for k, e in enumerate(rest):
            for s, t in zip(sims[k], idx[k]):
                if t < 0 or s < limit:
                    break
                tr = nb.records[t][0]
                if numbers(eval_p[e]) == numbers(train_p[tr]):
                    cand.append((e, k, tr))
                    break
        if not cand:
            return {}
        a = res.embed([queries[k] for _, k, _ in cand], "full")
        b = res.embed([nb.texts[nb.of_record[tr]] for _, _, tr in cand], "full")
        full = np.einsum("ij,ij->i", a, b)
        full_limit = 1.0 - self.options.ratio * res.full_scale("prompt")
        return {e: (tr, "paraphrase", float(s)) for (e, _, tr), s in zip(cand, full)
                if s >= full_limit}
