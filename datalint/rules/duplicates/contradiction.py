from dataclasses import dataclass

import numpy as np

from ...rule import DatasetRule

from ._assertions import conflict, label, shown
from ._clusters import quote, where
from ._prompts import FILLER, content_key, differing_lines, prompt_groups, tool_context
from ._semantic import PER_TEXT
from ._tasks import different_input, different_task

#: with the default model, the confirming similarity stays in this band whatever the
#: dataset's spread: measured on ten real files, ``1 - ratio * median distance`` ranges from
#: 0.78 (a preference set) and 0.84 (Alpaca) to 0.97 (GPTeacher), while all-MiniLM-L6-v2 puts
#: different questions that share most words at 0.70-0.88 ("boiling" / "freezing point of
#: water" 0.875, "a fruit" / "a vegetable" 0.84) and paraphrases at 0.93-0.97 ("at what
#: temperature does water boil" 0.935)
DEFAULT_BAND = (0.90, 0.93)
#: with the default model, the fast (static) model proposes every pair at least this close:
#: it puts paraphrases the transformer scores 0.94-0.96 at 0.90-0.91 ("Is the Great Wall of
#: China visible from space?" / "Can you see the Great Wall of China from space?" 0.913)
FAST_CAP = 0.90

class Contradiction(DatasetRule):
    """Prompts that ask the same thing in other words, with answers that contradict each other.

    ## What it does
    Finds pairs of prompts that say the same thing in other words and compares what their
    answers assert, as ``conflicting-answers`` does for identical prompts: short answers
    (labels, yes/no, numbers, single entities) that differ once case, punctuation and yes/no
    label wording are folded; longer answers that open with opposite yes/no, negate the same
    claim word for word, give different years to a "when" question or name different entities
    to a who/which/where question, or that are the same text with a number or a name changed.  Five different poems, or two explanations worded differently,
    are not a contradiction.

    Three kinds of pairs are compared:

    * **paraphrases**: nearest neighbours in the shared embedding index (the fast model),
      closer than ``ratio`` times the dataset's median nearest-neighbour distance;
    * **the same question with courtesy around it**: prompts that are equal once a lead-in
      or a closing request is removed ("Quick question: is a strawberry a fruit? Please
      answer.");
    * **the same content under another template**: prompts that are equal once the
      template lines shared by many records are removed (an article under "What is the topic
      of the text below?" in one record and under "Which topic is the text above about?" in
      another).

    Paraphrase and template pairs are confirmed with the full model on *what differs*
    between the two prompts (the lines one has and the other lacks; the whole prompts when
    they are one line each): it must be closer than ``ratio`` times the full model's median
    neighbour distance (estimated on a seeded sample of 128 texts); with the default model
    that similarity is kept between 0.90 and 0.93 (different questions that share most words
    reach 0.88, paraphrases start near 0.93).  Under two templates, short answers are also a
    contradiction when each template's records use the other's labels (a topic set written
    twice).  Answers that read different tool results (a stock price today and yesterday)
    are not compared.

    Prompts that ask for different things are never compared: different numbers, different
    names, a swapped direction ("Celsius to Fahrenheit"), or one instruction over different
    inputs.  Identical prompts are the business of ``conflicting-answers``; texts the
    embedding model does not cover (a script it has no vocabulary for) are left out and
    counted in the report's notes.

    Every kind is an error: measured with ``benchmarks/quality.py`` (seeded contradictions,
    near-copies and hard negatives planted into four public fine-tuning files), 1 of the 381
    pairs D007 and D008 reported was wrong (precision 0.997), and on the twelve public files
    of the project's corpora neither rule reports a false contradiction.

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
    summary = "paraphrased prompts whose answers contradict each other"
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
        nb = res.neighbours("prompt")
        if nb.sims.shape[1] == 0:
            return
        candidates = self._candidates(res, nb)
        if not candidates:
            return
        yield from self._confirmed(res, records, candidates)

    def _candidates(self, res, nb) -> dict[tuple[int, int], tuple[float, str, object]]:
        """Pairs of records whose prompts are close (or equal once template lines are
        removed) and whose answers contradict: pair -> (fast similarity, kind, conflict)."""
        o = self.options
        keys = prompt_groups(res).key
        context = tool_context(res)
        answers = res.normalized("response")
        raw_a = res.texts("response")
        asks = res.embed_texts("prompt")  # the question without the template lines
        relative = limit = 1.0 - o.ratio * nb.median_distance()  # the fast model proposes
        if _default_model(res):
            limit = min(limit, FAST_CAP)
        # a pair only the cap lets in must share words too: the static model sees two word
        # salads of one vocabulary as alike
        content = [frozenset(w for w in k.split() if w not in FILLER)
                   for k in self._content_keys(res)]
        found: dict[tuple[int, int], tuple[float, str, object]] = {}
        tested: set[tuple[int, int]] = set()

        def consider(r: int, u: int, s: float, kind: str) -> None:
            key = (r, u) if r < u else (u, r)
            if key in tested:
                return
            tested.add(key)
            if keys[r] == keys[u] or answers[r] == answers[u] or not answers[r] \
                    or not answers[u] or context[r] != context[u]:
                return  # the same prompt (conflicting-answers), the same answer, or
                # answers that read different tool results
            if different_task(asks[r], asks[u]) or (kind == "paraphrase" and different_input(
                    asks[r].split("\n"), asks[u].split("\n"))):
                return
            clash = conflict(asks[r], raw_a[r], asks[u], raw_a[u], o.max_words, o.max_chars)
            if clash is None or (clash.kind == "short-answer" and kind == "paraphrase" and
                                 sorted(answers[r].split()) == sorted(answers[u].split())):
                return  # the same items in another order: the prompts may ask for other orders
            found[key] = (s, kind, clash)

        # prompts with the same content words (one adds courtesy or filler): the same
        # question whatever the embeddings say
        by_words: dict[str, list[int]] = {}
        for r, k in enumerate(self._content_keys(res)):
            if k:
                by_words.setdefault(k, []).append(r)
        for recs in by_words.values():
            mine = recs[:PER_TEXT]
            for x in range(1, len(mine)):
                for y in range(x):
                    consider(mine[y], mine[x], 1.0, "wording")
        for t, recs in enumerate(nb.records):
            mine = recs[:PER_TEXT]
            for x in range(1, len(mine)):  # one masked text: the same content, other templates
                for y in range(x):
                    consider(mine[y], mine[x], 1.0, "template")
            for q, s in zip(nb.idx[t], nb.sims[t]):
                if q < 0 or s < limit:
                    break
                for r in mine:
                    for u in nb.records[q][:PER_TEXT]:
                        if s < relative and not _share_words(content[r], content[u]):
                            continue
                        consider(r, u, float(s), "paraphrase")
        return found

    def _confirmed(self, res, records, candidates):
        """The candidates whose differing prompt parts the full model confirms, as findings."""
        raw_p, raw_a = res.texts("prompt"), res.texts("response")
        pairs = sorted(candidates)
        parts = [differing_lines(raw_p[i], raw_p[j]) for i, j in pairs]
        a = res.embed([p[0] for p in parts], "full")
        b = res.embed([p[1] for p in parts], "full")
        full = np.einsum("ij,ij->i", a, b) if len(pairs) else np.zeros(0)
        full_limit = 1.0 - self.options.ratio * res.full_scale("prompt")
        if _default_model(res):
            full_limit = min(max(full_limit, DEFAULT_BAND[0]), DEFAULT_BAND[1])
        shared = self._shared_labels(res)
        norm = res.normalized("prompt")
        # one finding per pair of prompts, naming every record of the pair that conflicts
        groups: dict[tuple[str, str], list[tuple[int, int, float]]] = {}
        for (i, j), s_full in zip(pairs, full.tolist()):
            fast, kind, clash = candidates[(i, j)]
            if s_full < full_limit and kind != "wording" and not (
                    kind == "template" and clash.kind == "short-answer" and shared(i, j)):
                continue
            key = (min(norm[i], norm[j]), max(norm[i], norm[j]))
            groups.setdefault(key, []).append((i, j, s_full))
        order = lambda k: (records[k].path, records[k].index)  # noqa: E731
        for members in groups.values():
            i, j, s_full = members[0]
            fast, kind, clash = candidates[(i, j)]
            x, y = sorted((i, j), key=order)
            others = sorted({r for m in members for r in m[:2]} - {y}, key=order)
            how = {"template": "the same text under another template",
                   "wording": "the same question with courtesy around it"}.get(
                       kind, f"prompt similarity {s_full:.3f}")
            yield self.finding(
                records[y],
                f"contradicts {where(records[x])}: {quote(raw_p[x], 50)} -> "
                f"{quote(shown(raw_a[x]))} but {quote(raw_p[y], 50)} -> "
                f"{quote(shown(raw_a[y]))} ({how}; {clash.detail})",
                related=[records[r].location() for r in others],
                data={"prompts": [raw_p[x], raw_p[y]], "answers": [raw_a[x], raw_a[y]],
                      "match": kind, "kind": clash.kind, "detail": clash.detail,
                      "similarity": round(s_full, 4), "fast_similarity": round(fast, 4),
                      "threshold": round(full_limit, 4)})

    @staticmethod
    def _content_keys(res) -> list[str]:
        norm = res.normalized("prompt")  # template lines in: another template, another ask
        return res._get(("content-keys",), lambda: [content_key(t) for t in norm])

    def _shared_labels(self, res):
        """``shared(i, j)``: the short answers of records i and j each occur among the short
        answers of the other record's template (its template lines): the two templates ask for
        labels from one set, so differing labels under them conflict."""
        from ...resources.texts import is_short_answer, normalize

        o = self.options
        template = res.template("prompt")
        raw_p, raw_a = res.texts("prompt"), res.texts("response")
        labels: dict[frozenset, set[str]] = {}

        def part(i: int) -> frozenset:
            return frozenset(normalize(x) for x in raw_p[i].split("\n") if x in template)

        def build() -> None:
            for i, ans in enumerate(raw_a):
                if is_short_answer(ans, o.max_words, o.max_chars):
                    labels.setdefault(part(i), set()).add(label(ans))

        def shared(i: int, j: int) -> bool:
            if not labels:
                build()
            pi, pj = part(i), part(j)
            if not pi or not pj or pi == pj:
                return False
            li, lj = label(raw_a[i]), label(raw_a[j])
            return li in labels.get(pj, ()) and lj in labels.get(pi, ())
        return shared


def _share_words(a: frozenset, b: frozenset) -> bool:
    """Half of the content words of the shorter prompt in the other one."""
    return bool(a and b) and len(a & b) >= 0.5 * min(len(a), len(b))


def _default_model(res) -> bool:
    """The run embeds with the bundled model (the measured band and cap hold for it only)."""
    return res.settings.model is None and res.settings.encoders is None
