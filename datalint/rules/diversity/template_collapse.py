from collections import Counter
from dataclasses import dataclass

from ...resources.textstats import (WORD, fold, pct, ranked, share, snippet,
                                          stable_key, stable_sample)
from ...rule import DatasetRule
from .._metrics import Condition, Measurement, dataset_finding, example, not_measured

#: Fewer distinct prompts than this are not judged.
MIN_PROMPTS = 10
#: The opening/ending shown is extended while it keeps this share of the group.
EXTEND_KEEP = 0.9
#: Words in a prompt looked at for an opening or an ending.
MAX_SPAN = 40


def _extend(seqs: list[list[str]], k: int) -> int:
    """Length of the longest common run from position 0 shared by EXTEND_KEEP of ``seqs``."""
    need = EXTEND_KEEP * len(seqs)
    while k < MAX_SPAN:
        c = Counter(tuple(s[: k + 1]) for s in seqs if len(s) > k + 1)
        if not c or max(c.values()) < need:
            return k
        k += 1
    return k


def _shown(kind: str, texts: list[str], length: int) -> str:
    """The shared opening or ending as written in one of ``texts``, "…" for the rest."""
    text = min(texts, key=stable_key)
    spans = list(WORD.finditer(text))
    if len(spans) < length:  # case folding changed the words: show the folded form
        text = fold(text)
        spans = list(WORD.finditer(text))
    if kind == "opening":
        return snippet(text[: spans[length - 1].end()], 200) + " …"
    return "… " + snippet(text[spans[len(spans) - length].start():], 200)


class TemplateCollapse(DatasetRule):
    """Most prompts are one template: the same opening, ending or scaffold with a slot changed.

    ## What it does
    Looks at the distinct prompts (user turns; case and spacing folded) for the largest group
    that shares one template, in three shapes:

    * an **opening**: the same first ``min-words`` words, followed by something that varies
      ("Translate the following sentence into French: …");
    * an **ending**: the same last ``min-words`` words after a varying part
      ("… Answer with yes or no.");
    * a **skeleton**: the prompt with its rare words (found in fewer than ``slot-share`` of the
      prompts) replaced by a slot is the same, with at least ``min-words`` fixed words making up
      at least half of it ("What is the capital of …?").

    The value is the share of distinct prompts in the largest group; the template is shown
    (extended while it keeps 90% of its group) with example records.  Exact repeats of one
    prompt are counted once: they are ``duplicate-prompt``'s business.  Above ``sample``
    distinct prompts, a fixed hash-chosen sample is measured (a share from 10,000 prompts is
    within ±1 point).

    Calibration on the reference corpora in ``../shared/corpora``: Alpaca 5,000, its
    LLaMA-Factory demo and CodeAlpaca 2k have no template above 2% of their prompts (the most
    common openings are "generate a list of", "write a sql query"); every GPTeacher Toolformer
    prompt opens with the same "toolformer: enabled / toolformer access:" header (100%).

    ## Why it hurts fine-tuning
    A model fine-tuned on one template learns to answer that template: it can fail on the same
    request phrased differently, and it spends its capacity on the scaffold instead of the task.

    ## Example
    ```
    {"prompt": "What is the capital of France?", ...}
    {"prompt": "What is the capital of Peru?", ...}
    ... 500 more, one country each
    ```

    ## How to fix
    Paraphrase the prompts (several phrasings per intent, real user wording), mix in other
    tasks, or move a fixed instruction into the system prompt.

    ## Options
    ``max-share`` (float, default 0.5): the share of distinct prompts in one template at or
    above which the dataset is reported.  ``min-words`` (int, default 4): the fewest fixed
    words that make a template.  ``slot-share`` (float, default 0.05): in the skeleton, words
    found in fewer than this share of prompts are slots.  ``sample`` (int, default 10000): the
    most distinct prompts measured.
    ``error-at`` (float, default none): a failing value at or above this is an error, which
    fails the default gate (``--fail-on error``); off by default.
    """

    decides = ("at least max-share of the distinct prompts share one template, and the "
               "template holds at least 5 prompts")
    code = "V002"
    name = "template-collapse"
    summary = "most prompts share one template (opening, ending or scaffold with slots)"
    severity = "warning"
    requires = frozenset({"records"})

    @dataclass
    class Options:
        max_share: float = 0.5
        min_words: int = 4
        slot_share: float = 0.05
        sample: int = 10_000
        error_at: float | None = None

    def check_dataset(self, dataset):
        records = dataset.records
        prompts = dataset.resources.texts("prompt")
        by_text: dict[str, int] = {}  # each distinct prompt text once, then a hash sample
        for r, text in enumerate(prompts):
            if text and not text.isspace():
                by_text.setdefault(text, r)
        texts = list(by_text)
        first: dict[str, int] = {}  # folded prompt -> one record (the first in stable order)
        for i in stable_sample(texts, self.options.sample):
            first.setdefault(fold(texts[i]), by_text[texts[i]])
        keys = list(first)
        if len(keys) < MIN_PROMPTS:
            yield not_measured(f"only {len(keys)} distinct prompts: too few to judge "
                               "templates", {"distinct_prompts": len(keys)})
            return
        toks = [WORD.findall(k) for k in keys]
        n = len(keys)
        o = self.options
        m = max(1, o.min_words)

        candidates = []  # (share, kind, template, member indices)
        for kind, seqs in (("opening", toks), ("ending", [t[::-1] for t in toks])):
            c = Counter(tuple(s[:m]) for s in seqs if len(s) > m)
            if not c:
                continue
            (head, count), = ranked(c, 1, key=lambda g: " ".join(g))
            members = [i for i, s in enumerate(seqs) if len(s) > m and tuple(s[:m]) == head]
            length = _extend([seqs[i] for i in members], m)
            shown = _shown(kind, [prompts[first[keys[i]]] for i in members], length)
            candidates.append((share(count, n), kind, shown, members))

        df = Counter(w for t in toks for w in set(t))
        fixed = {w for w, c in df.items() if c >= max(2, o.slot_share * n)}
        skel: dict[str, list[int]] = {}
        for i, t in enumerate(toks):
            parts, kept = [], 0
            for w in t:
                if w in fixed:
                    parts.append(w)
                    kept += 1
                elif not parts or parts[-1] != "…":
                    parts.append("…")
            if "…" in parts and kept >= m and kept >= len(t) / 2:
                skel.setdefault(" ".join(parts), []).append(i)
        if skel:
            (pattern, count), = ranked({s: len(v) for s, v in skel.items()}, 1)
            candidates.append((share(count, n), "skeleton", pattern, skel[pattern]))

        if not candidates:  # no template: no prompt in one
            yield Measurement(0.0, o.max_share, ">=", f"no shared template among {n:,} "
                              "distinct prompts", {"distinct_prompts": n}).also(
                Condition("prompts in the template", 0, ">=", MIN_PROMPTS // 2))
            return
        value, kind, template, members = max(candidates, key=lambda c: (c[0], c[1]))
        ex = sorted(members, key=lambda i: stable_key(keys[i]))[:3]
        ex_recs = [first[keys[i]] for i in ex]
        sampled = (f" (from a hash sample of {len(texts):,} distinct texts)"
                   if len(texts) > self.options.sample else "")
        msg = (f"{pct(value)} of {n:,} distinct prompts{sampled} share one {kind}: "
               f"\"{template}\" (threshold {pct(o.max_share)})")
        details = {"share": round(value, 4), "kind": kind, "template": template,
                   "prompts_in_template": len(members), "distinct_prompts": n,
                   "candidates": {c[1]: {"share": round(c[0], 4), "template": c[2]}
                                  for c in candidates},
                   "examples": [example(records, r, prompts[r]) for r in ex_recs]}
        yield Measurement(value, o.max_share, ">=", msg, details, digits=4, findings=[
            dataset_finding(f"template collapse: {msg}", records, ex_recs, data=details)]).also(
            Condition("prompts in the template", len(members), ">=", MIN_PROMPTS // 2))
