import re
from collections import Counter
from dataclasses import dataclass

from ...resources.textstats import (fold, pct, ranked, share, snippet, stable_key,
                                          stable_sample, words)
from ...rule import DatasetRule
from .._metrics import Condition, Measurement, dataset_finding, example, not_measured

#: Fewer answers than this are not judged.
MIN_ANSWERS = 10
#: A phrase is extended by a word while this share of the answers holding it agree on the word.
EXTEND_KEEP = 0.9
#: Openers and closers longer than this are sentences, not formulas.
MAX_FORMULA_WORDS = 12
_CLAUSE_END = re.compile(r"[.!?;:,—–\n。！？]|\s-\s")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
#: A closer that signs: a dash before a name, or a letter's closing formula.
_SIGN_OFF = re.compile(r"(?:^|\s)(?:[—–~]|--?)\s*[^\W\d_]"
                       r"|\b(?:[Rr]egards|[Ss]incerely|[Cc]heers)\b")
GRAM = 4
#: Catch-phrases are looked for in the first and last words of long answers.
HEAD_WORDS, TAIL_WORDS = 200, 50


def _opener(text: str) -> tuple[str, ...] | None:
    """The first clause, when it is a formula: 2-12 words (or one word and "!") before more."""
    m = _CLAUSE_END.search(text)
    if m is None or not text[m.end():].strip():
        return None
    ws = tuple(words(text[: m.start()]))
    if 2 <= len(ws) <= MAX_FORMULA_WORDS or (len(ws) == 1 and m.group() == "!"):
        return ws
    return None


def _closer(text: str) -> tuple[str, ...] | None:
    """The last line (with the line before it when it is a single word, as in "Best regards,
    / John"), or in a one-paragraph answer the last sentence, when it is short."""
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    if len(lines) > 1:
        ws = tuple(words(lines[-1]))
        if len(ws) == 1 and len(lines) > 2:
            ws = tuple(words(lines[-2])) + ws
    else:
        parts = _SENTENCE.split(text.strip())
        if len(parts) < 2:
            return None
        ws = tuple(words(parts[-1]))
    return ws if 2 <= len(ws) <= MAX_FORMULA_WORDS else None


def _find(text: str, phrase: tuple[str, ...]) -> str:
    """The phrase as written in ``text`` (original case and punctuation)."""
    pattern = r"(?<!\w)" + r"\W+".join(re.escape(w) for w in phrase) + r"(?!\w)[!?.)\]]{0,2}"
    m = re.search(pattern, text, re.I)
    return snippet(m.group(), 120) if m else " ".join(phrase)


def _extend(phrase: tuple[str, ...], holders: list[list[str]]) -> tuple[str, ...]:
    """Grow a frequent n-gram left and right while EXTEND_KEEP of the answers agree."""
    need = EXTEND_KEEP * len(holders)
    for _ in range(2 * MAX_FORMULA_WORDS):
        grown = False
        for side in (1, -1):
            nxt: Counter = Counter()
            n = len(phrase)
            for ws in holders:
                for i in range(len(ws) - n + 1):
                    if tuple(ws[i:i + n]) == phrase:
                        j = i + n if side == 1 else i - 1
                        if 0 <= j < len(ws):
                            nxt[ws[j]] += 1
                        break
            if nxt:
                (w, c), = ranked(nxt, 1)
                if c >= need:
                    phrase = phrase + (w,) if side == 1 else (w,) + phrase
                    grown = True
        if not grown:
            break
    return phrase


def _contains(big: tuple[str, ...], small: tuple[str, ...]) -> bool:
    n = len(small)
    return any(big[i:i + n] == small for i in range(len(big) - n + 1))


class SignaturePhrases(DatasetRule):
    """Openers, closers, sign-offs and catch-phrases that recur in a large share of answers.

    ## What it does
    Looks for formulas in the assistant turns:

    * **openers**: the first clause of an answer when it is short (2–12 words, or one word
      with "!"), e.g. "Great question!", "I understand your request";
    * **closers** and **sign-offs**: the last line (or last sentence) when it is short, e.g.
      "Thanks for reaching out!", "Best regards, John", "— Sam, Nimbus Support";
    * **catch-phrases**: word 4-grams found anywhere in many answers, grown to the longest
      phrase that 90% of them share (in answers over 250 words, the first 200 and the last 50
    words are read).

    A phrase is reported when it recurs in at least ``min-share`` of the answers and in at least
    ``min-distinct`` different answers (one canned answer repeated is ``canned-responses``'s
    business).  Occurrences whose words all appear in the record's prompt are not counted: an
    answer that echoes the question ("The capital of France is …") is content, not a
    signature.  The value is the share of answers holding the most common phrase; each
    reported phrase is a finding with its count and example records.  Above ``sample`` answers
    a fixed hash-chosen sample is read (a share from 5,000 answers is within ±1.4 points).

    Calibration on the reference corpora in ``../shared/corpora``: in Alpaca 5,000, LLaMA-Factory's
    alpaca demo, CodeAlpaca 2k and both GPTeacher Toolformer files the most common phrase
    reaches at most 8% of the answers (CodeAlpaca's "for i in range"; Alpaca's most common
    opener, "Once upon a time", 0.7%); the demo support set's opener "Great question!" and
    sign-off "Happy to help anytime! — Sam, Nimbus Support" reach 93% and 96%, and
    FastChat's dummy conversations repeat "Large Model Systems Organization (LMSYS)" in half of
    all answers.

    ## Why it hurts fine-tuning
    A fine-tuned model reproduces formulas it saw in a large share of its answers: every reply
    starts with the same compliment or ends with a fake signature, whatever the question.

    ## Example
    70% of the answers open with "Thanks for reaching out!" and end with "Best regards, John";
    a third say "I completely understand your frustration" somewhere in the middle.

    ## How to fix
    Strip the formula from the answers (or keep it in a small share), and put a required
    greeting or signature in the application, not in the model.

    ## Options
    ``min-share`` (float, default 0.15): the share of answers at or above which a phrase is
    reported.  ``min-distinct`` (int, default 3): a phrase must occur in at least this many
    different answers.  ``sample`` (int, default 5000): the most answers read.  ``top`` (int,
    default 10): the most phrases reported.
    ``error-at`` (float, default none): a failing value at or above this is an error, which
    fails the default gate (``--fail-on error``); off by default.
    """

    decides = ("at least one phrase recurs in min-share of the answers (a signature)")
    code = "Y002"
    name = "signature-phrases"
    summary = "openers, closers, sign-offs and catch-phrases recurring in many answers"
    severity = "warning"
    requires = frozenset({"records"})

    @dataclass
    class Options:
        min_share: float = 0.15
        min_distinct: int = 3
        sample: int = 5000
        top: int = 10
        error_at: float | None = None

    def check_dataset(self, dataset):
        records = dataset.records
        answers = dataset.resources.answers()
        if len(answers) < MIN_ANSWERS:
            yield not_measured(f"only {len(answers)} answers: too few to find signature "
                               "phrases", {"answers": len(answers)})
            return
        o = self.options
        prompts = dataset.resources.texts("prompt")
        picked = stable_sample([t for _, t in answers], o.sample)
        n = len(picked)
        toks = [words(answers[j][1]) for j in picked]
        folded = [fold(answers[j][1]) for j in picked]
        prompt_words: dict[int, frozenset[str]] = {}

        def echoes(k: int, phrase: tuple[str, ...]) -> bool:
            rec = answers[picked[k]][0]
            if rec not in prompt_words:
                prompt_words[rec] = frozenset(words(prompts[rec]))
            return set(phrase) <= prompt_words[rec]

        # candidates: kind -> phrase -> sample positions holding it
        found: dict[str, dict[tuple[str, ...], list[int]]] = {"opener": {}, "closer": {}}
        grams: dict[tuple[str, ...], list[int]] = {}
        for k, j in enumerate(picked):
            text = answers[j][1]
            for kind, phrase in (("opener", _opener(text)), ("closer", _closer(text))):
                if phrase and not echoes(k, phrase):
                    found[kind].setdefault(phrase, []).append(k)
            ws = toks[k]
            if len(ws) > HEAD_WORDS + TAIL_WORDS:
                ws = ws[:HEAD_WORDS] + ["\x00"] + ws[-TAIL_WORDS:]  # no n-gram across the cut
            for g in {tuple(ws[i:i + GRAM]) for i in range(len(ws) - GRAM + 1)}:
                grams.setdefault(g, []).append(k)

        need = max(o.min_share * n, 1)

        def frequent(holders: list[int]) -> bool:
            return len(holders) >= need and len({folded[k] for k in holders}) >= o.min_distinct

        phrases: list[tuple[str, tuple[str, ...], list[int]]] = []
        for kind in ("opener", "closer"):
            for phrase, holders in found[kind].items():
                if frequent(holders):
                    phrases.append((kind, phrase, holders))
        covered = [p for _, p, _ in phrases]
        for g, holders in ranked({g: len(h) for g, h in grams.items()
                                  if len(h) >= need}, key=lambda g: " ".join(g)):
            holders = [k for k in grams[g] if not echoes(k, g)]
            if not frequent(holders) or any(_contains(p, g) for p in covered):
                continue
            phrase = _extend(g, [toks[k] for k in holders])
            covered.append(phrase)
            for x, (kind, p, h) in enumerate(phrases):
                if _contains(phrase, p) and kind != "phrase":
                    phrases[x] = (kind, phrase, h)  # the longer run: "best regards john" …
                    break
                if _contains(p, phrase) or _contains(phrase, p):
                    break
            else:
                phrases.append(("phrase", phrase, holders))

        # the most common candidate, the value even when nothing reaches the threshold
        best: tuple[int, str, tuple[str, ...], int] = (0, "", (), -1)  # count, kind, phrase, k
        for kind in ("opener", "closer"):
            for phrase, holders in found[kind].items():
                best = max(best, (len(holders), kind, phrase, holders[0]))
        for g, _ in ranked({g: len(h) for g, h in grams.items() if len(h) > 1}, 20,
                           key=lambda g: " ".join(g)):
            holders = [k for k in grams[g] if not echoes(k, g)]
            if holders:
                best = max(best, (len(holders), "phrase", g, holders[0]))

        phrases.sort(key=lambda p: (-len(p[2]), p[0], " ".join(p[1])))
        items, example_recs = [], []
        for kind, phrase, holders in phrases[: o.top]:
            ex = sorted(holders, key=lambda x: stable_key(answers[picked[x]][1]))[:3]
            shown = _find(answers[picked[ex[0]]][1], phrase)
            if kind == "closer" and _SIGN_OFF.search(shown):
                kind = "sign-off"
            example_recs.append([answers[picked[x]][0] for x in ex])
            items.append({"kind": kind, "phrase": shown, "answers": len(holders),
                          "distinct_answers": len({folded[k] for k in holders}),
                          "share": round(share(len(holders), n), 4),
                          "examples": [example(records, *answers[picked[x]]) for x in ex]})
        value = items[0]["share"] if items else share(best[0], n)
        of = f"{n:,} answers" + (f" (a hash sample of {len(answers):,})"
                                 if n < len(answers) else "")
        if items:
            top = items[0]
            msg = (f"{len(items)} signature phrase{'s' if len(items) != 1 else ''} in at least "
                   f"{pct(o.min_share)} of {of}; the most common, {top['kind']} "
                   f"\"{top['phrase']}\", in {pct(top['share'])}")
        else:
            shown = _find(answers[picked[best[3]]][1], best[2]) if best[0] else ""
            common = f"; the most common, {best[1]} \"{shown}\", in {pct(value)}" if shown else ""
            msg = f"no phrase recurs in {pct(o.min_share)} or more of {of}{common}"
        details = {"answers": len(answers), "sampled_answers": n, "phrases": items}
        findings = []
        for it, recs in zip(items, example_recs):
            where = {"opener": "opens", "closer": "closes", "sign-off": "signs off",
                     "phrase": "appears in"}[it["kind"]]
            findings.append(dataset_finding(
                f"{it['kind']} \"{it['phrase']}\" {where} {it['answers']:,} of {n:,} "
                f"answers ({pct(it['share'])}, {it['distinct_answers']:,} distinct)",
                records, recs, data=it))
        # a phrase is a signature when it is frequent in enough distinct answers (above): the
        # verdict is whether there is one
        yield Measurement(value, o.min_share, ">=", msg, details, digits=4,
                          findings=findings).decided_by(
            (Condition("signature phrases", len(items), ">=", 1),))

