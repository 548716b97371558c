"""Diversity metrics (V001-V004) on small constructed datasets whose right answer is known,
flagged and look-alike cases; determinism and independence of record order."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from datalint.resources.textstats import stable_order, stable_sample

from .helpers import lint_records

CODES = ("V001", "V002", "V003", "V004", "Y001", "Y002", "Y003")

#: Distinct made-up words: varied text without any shared phrasing.
SYLLABLES = ["ka", "lo", "mi", "ren", "tu", "sa", "vel", "do", "pri", "nor", "e", "ax", "qui",
             "bra", "fen", "gol", "hu", "jis", "wo", "zy"]


def vocab(n: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    out: set[str] = set()
    while len(out) < n:
        out.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(out)


WORDS = vocab(3000)


def varied_text(rng: random.Random, lo: int = 8, hi: int = 60) -> str:
    """Random words from a large vocabulary, in sentences: nothing recurs across texts."""
    n = rng.randint(lo, hi)
    ws = [rng.choice(WORDS) for _ in range(n)]
    out, i = [], 0
    while i < n:
        k = rng.randint(4, 12)
        out.append(" ".join(ws[i:i + k]).capitalize() + ".")
        i += k
    return " ".join(out)


def pairs(prompts, answers):
    return [{"prompt": p, "completion": a} for p, a in zip(prompts, answers)]


def metric(report, code):
    found = [m for m in report.metrics if m.code == code]
    assert len(found) == 1, report.metrics
    return found[0]


def lint(tmp_path, records, code, **options):
    opts = {code: options} if options else None
    rep = lint_records(tmp_path, records, select=[code], options=opts)
    assert not rep.errors, rep.errors
    return rep, metric(rep, code)


def varied(n: int, seed: int = 1):
    rng = random.Random(seed)
    return pairs([varied_text(rng, 5, 15) + "?" for _ in range(n)],
                 [varied_text(rng) for _ in range(n)])


# -- stable sampling -------------------------------------------------------------------------

@settings(max_examples=50, deadline=None)
@given(st.lists(st.text(max_size=8), max_size=40), st.randoms(), st.integers(0, 50))
def test_stable_sample_ignores_input_order(texts, rnd, k):
    shuffled = list(texts)
    rnd.shuffle(shuffled)
    assert [texts[i] for i in stable_sample(texts, k)] == [shuffled[i] for i in
                                                           stable_sample(shuffled, k)]
    assert sorted(stable_order(texts)) == list(range(len(texts)))


# -- low-lexical-diversity ---------------------------------------------------------------------

def test_lexical_formula_answers_flagged(tmp_path):
    rng = random.Random(2)
    topics = WORDS[:200]
    answers = [f"Thank you for your question about {t}. Our team has reviewed {t} carefully and "
               f"the recommended next step is described in the {t} guide on our website."
               for t in topics]
    rep, m = lint(tmp_path, pairs([varied_text(rng, 5, 10) for _ in topics], answers), "V001")
    assert m.verdict == "fail" and m.value >= 4
    assert m.details["ngram_repetition"] >= 0.5  # every 4-gram without the topic recurs
    assert m.details["top_ngrams"][0]["share"] == 1.0  # a 4-gram of the formula, in every answer
    assert len(rep.findings) == 1 and rep.findings[0].related


def test_lexical_varied_answers_pass(tmp_path):
    _, m = lint(tmp_path, varied(300), "V001")
    assert m.verdict == "pass" and m.value < 4
    d = m.details
    assert d["distinct_n"]["distinct_1"] < d["distinct_n"]["distinct_2"] <= 1.0
    assert d["ngram_repetition"] < 0.05


def test_lexical_too_little_text_is_not_judged(tmp_path):
    rep, m = lint(tmp_path, pairs(["a?", "b?"], ["Yes.", "No."]), "V001")
    assert m.verdict == "info" and not rep.findings


def sentiment(n: int, seed: int = 20):
    """A classification set: varied texts, each answered with one of three labels."""
    rng = random.Random(seed)
    prompts = [varied_text(rng, 5, 20) for _ in range(n)]
    return pairs(prompts, [rng.choice(["positive", "Negative", "neutral."]) for _ in prompts])


def test_lexical_label_only_answers_are_not_judged(tmp_path):
    """Labels from a small set compress extremely well by design: not judged, and said why."""
    rep, m = lint(tmp_path, sentiment(600), "V001")
    assert m.verdict == "info" and not rep.findings
    assert m.message.startswith("lexical diversity not judged: label-only answers")
    assert m.details["label_only"] and m.details["distinct_short_answers"] == 3


def test_lexical_short_open_answers_are_not_judged_either(tmp_path):
    """Short answers that do not repeat (numbers, names: a short-answer QA set) are no label
    set, and the reason says so; gzip on one-word answers measures nothing either."""
    rng = random.Random(21)
    records = pairs([varied_text(rng, 5, 20) for _ in range(300)], [str(n) for n in range(300)])
    rep, m = lint(tmp_path, records, "V001")
    assert m.verdict == "info" and not rep.findings
    assert "short answers only: 300 of 300 answers have at most 3 words (300 distinct)" in \
        m.message


def test_lexical_labels_beside_sentence_answers_are_left_out(tmp_path):
    """Look-alike: a mixed set is judged on its answers of sentence length only; the labels
    neither count as answers nor raise the ratio."""
    records = sentiment(300) + varied(300)
    _, m = lint(tmp_path, records, "V001")
    _, alone = lint(tmp_path, varied(300), "V001")
    assert m.verdict == "pass"
    assert m.details["answers"] == 300 and m.details["short_answers"] == 300
    assert m.value == alone.value


def test_lexical_threshold_is_an_option(tmp_path):
    _, m = lint(tmp_path, varied(300), "V001", **{"max-compression-ratio": 1.1})
    assert m.verdict == "fail" and m.threshold == 1.1


# -- template-collapse -------------------------------------------------------------------------

def test_template_skeleton_flagged(tmp_path):
    rng = random.Random(3)
    prompts = [f"What is the capital of {w.capitalize()}?" for w in WORDS[:60]]
    prompts += [varied_text(rng, 5, 12) for _ in range(20)]
    rep, m = lint(tmp_path, pairs(prompts, [varied_text(rng) for _ in prompts]), "V002")
    assert m.verdict == "fail"
    assert m.value == pytest.approx(60 / 80)
    assert "capital of" in m.details["template"]
    assert len(rep.findings) == 1


def test_template_opening_flagged(tmp_path):
    """A long fixed preamble with a free question after it: an opening template."""
    rng = random.Random(4)
    preamble = "You are a helpful assistant with access to a calculator tool. Answer this:"
    prompts = [f"{preamble} {varied_text(rng, 6, 20)}" for _ in range(50)]
    _, m = lint(tmp_path, pairs(prompts, [varied_text(rng) for _ in prompts]), "V002")
    assert m.verdict == "fail" and m.details["kind"] == "opening" and m.value == 1.0
    assert m.details["template"].startswith("You are a helpful assistant with access to a "
                                            "calculator tool")


def test_template_ending_flagged(tmp_path):
    rng = random.Random(5)
    prompts = [f"{varied_text(rng, 6, 20)} Answer with yes or no only." for _ in range(40)]
    _, m = lint(tmp_path, pairs(prompts, ["Yes."] * 40), "V002")
    assert m.verdict == "fail" and m.details["kind"] == "ending"
    assert m.details["template"].endswith("Answer with yes or no only.")


def test_template_common_opening_in_varied_prompts_passes(tmp_path):
    """One prompt in five starting "Write a short poem about" is a common request, not a
    template collapse."""
    rng = random.Random(6)
    prompts = [f"Write a short poem about {w}." for w in WORDS[:40]]
    prompts += [varied_text(rng, 5, 15) for _ in range(160)]
    _, m = lint(tmp_path, pairs(prompts, [varied_text(rng) for _ in prompts]), "V002")
    assert m.verdict == "pass"
    assert m.value == pytest.approx(0.2)


def test_template_counts_distinct_prompts(tmp_path):
    """Repeats of one prompt are duplicate-prompt's business, not a template."""
    rng = random.Random(7)
    prompts = ["What time is it in Oslo right now?"] * 60 + [varied_text(rng, 5, 15)
                                                             for _ in range(30)]
    _, m = lint(tmp_path, pairs(prompts, [varied_text(rng) for _ in prompts]), "V002")
    assert m.verdict == "pass" and m.details["distinct_prompts"] == 31


# -- canned-responses --------------------------------------------------------------------------

CANNED = ["Thank you for reaching out! A specialist will contact you shortly.",
          "We are sorry for the trouble; please restart the app and try again.",
          "Your request was forwarded to billing, who will reply by email."]


def test_canned_flagged_with_top_answers(tmp_path):
    rng = random.Random(8)
    prompts = [varied_text(rng, 5, 12) for _ in range(100)]
    answers = [CANNED[0]] * 40 + [CANNED[1]] * 25 + [CANNED[2]] * 15 + [
        varied_text(rng) for _ in range(20)]
    rep, m = lint(tmp_path, pairs(prompts, answers), "V003")
    assert m.verdict == "fail" and m.value == pytest.approx(0.8)
    assert m.details["distinct_answers"] == 23
    top = m.details["top_answers"]
    assert [t["answers"] for t in top] == [40, 25, 15]
    assert top[0]["text"] == CANNED[0]
    assert len(rep.findings) == 1 and len(rep.findings[0].related) == 3


def test_canned_varied_answers_pass(tmp_path):
    _, m = lint(tmp_path, varied(100), "V003")
    assert m.verdict == "pass" and m.value == 0


def test_canned_short_labels_are_not_judged(tmp_path):
    """A classification set: labels repeat by design."""
    rng = random.Random(9)
    prompts = [varied_text(rng, 5, 20) for _ in range(100)]
    answers = [rng.choice(["positive", "negative", "neutral"]) for _ in prompts]
    rep, m = lint(tmp_path, pairs(prompts, answers), "V003")
    assert m.verdict == "info" and not rep.findings
    assert m.message.startswith("label-only answers: 100 of 100 answers are one of 3 short labels")


def test_canned_same_prompt_repeats_are_not_canned(tmp_path):
    """One question asked and answered identically many times is a duplicate record."""
    rng = random.Random(10)
    records = pairs(["How do I reset my password?"] * 30, [CANNED[0]] * 30)
    records += varied(30, seed=11)
    _, m = lint(tmp_path, records, "V003")
    assert m.verdict == "pass" and m.value == 0


# -- length-collapse ---------------------------------------------------------------------------

def test_length_no_spread_flagged(tmp_path):
    rng = random.Random(12)
    answers = []
    for _ in range(80):
        text = varied_text(rng, 40, 40)
        answers.append(text[:200].rstrip() + ".")
    rep, m = lint(tmp_path, pairs([f"q{i}" for i in range(80)], answers), "V004")
    assert m.verdict == "fail" and m.value < 0.05
    assert len(rep.findings) == 1


def test_length_natural_spread_passes(tmp_path):
    rng = random.Random(13)
    answers = [varied_text(rng, 3, int(rng.lognormvariate(4, 1)) + 4) for _ in range(200)]
    _, m = lint(tmp_path, pairs([f"q{i}" for i in range(200)], answers), "V004")
    assert m.verdict == "pass" and m.value > 0.5


def test_length_cap_flagged(tmp_path):
    """A quarter of the answers cut at 600 characters, the rest of varied length."""
    rng = random.Random(14)
    answers = [varied_text(rng, 5, 60) for _ in range(150)]
    answers += [varied_text(rng, 200, 300)[:600] for _ in range(50)]
    _, m = lint(tmp_path, pairs([f"q{i}" for i in range(200)], answers), "V004")
    assert m.verdict == "fail" and m.value > 0.25  # the spread alone is fine: the cap fails it
    assert m.details["cap_length"] == 600 and m.details["at_cap"] == 50


def test_length_short_labels_are_not_judged(tmp_path):
    answers = ["yes", "no"] * 50
    rep, m = lint(tmp_path, pairs([f"q{i}" for i in range(100)], answers), "V004")
    assert m.verdict == "info" and not rep.findings


# -- order independence and determinism (all V and Y metrics) ----------------------------------

def _strip_locations(x):
    if isinstance(x, dict):
        return {k: _strip_locations(v) for k, v in x.items() if k != "location"}
    if isinstance(x, list):
        return [_strip_locations(v) for v in x]
    return x


def _summary(report):
    metrics = sorted((m.code, m.value, m.threshold, m.verdict, m.message,
                      repr(_strip_locations(m.details))) for m in report.metrics)
    findings = sorted((f.code, f.message, len(f.related)) for f in report.findings)
    skipped = sorted((s.code, s.reason) for s in report.skipped)
    return metrics, findings, skipped


POOL = CANNED + ["What is the capital of Peru?", "What is the capital of Chile?",
                 "Hey there! Cheers, Max", "Best regards,\nJohn", "yes", "no",
                 "Write a poem about rain. Thanks!", "Une réponse en français, merci !"]
piece = st.one_of(st.sampled_from(POOL), st.sampled_from(WORDS[:50]))
text = st.lists(piece, min_size=1, max_size=8).map(" ".join)
record = st.fixed_dictionaries({"prompt": text, "completion": text,
                                "annotator": st.sampled_from(["a", "b", "c"])})


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(record, min_size=0, max_size=60), st.randoms())
def test_metrics_do_not_depend_on_record_order(tmp_path_factory, records, rnd):
    a = lint_records(tmp_path_factory.mktemp("a"), records, select=list(CODES))
    shuffled = list(records)
    rnd.shuffle(shuffled)
    b = lint_records(tmp_path_factory.mktemp("b"), shuffled, select=list(CODES))
    assert not a.errors and not b.errors
    assert _summary(a) == _summary(b)


def test_metrics_are_deterministic(tmp_path):
    records = varied(120, seed=15) + pairs(["x?"] * 5, CANNED[:1] * 5)
    first = _summary(lint_records(tmp_path, records, select=list(CODES)))
    second = _summary(lint_records(tmp_path, records, select=list(CODES)))
    assert first == second
