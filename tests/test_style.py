"""Style metrics (Y001-Y003) on constructed data whose answer is known: one synthetic writer vs
a mixture of writers, signatures vs legitimately common phrasing, skewed vs balanced authors;
and the calibration on the shared real corpora (skipped when absent)."""

from __future__ import annotations

import random
from dataclasses import dataclass

import pytest

from datalint.rules.style._profile import profile, spread

from .helpers import lint_records
from .test_diversity import WORDS, lint, pairs, varied, varied_text

FUNCTION = ("the of and to a in is that it for you i we this with as be on are can your or "
            "will an by not my have if so but at from our they").split()


@dataclass
class Writer:
    """A synthetic author: fixed habits, drawn once, used for every answer they write."""

    sentence_words: float
    function_share: float
    comma: float
    exclaim: float
    question: float
    dash: float
    contraction: float
    first_person: float
    newline: float
    capitals: float
    function_words: list[str]

    @classmethod
    def draw(cls, rng: random.Random) -> "Writer":
        fw = list(FUNCTION)
        rng.shuffle(fw)
        return cls(rng.uniform(5, 25), rng.uniform(0.2, 0.6), rng.uniform(0, 0.15),
                   rng.uniform(0, 0.6), rng.uniform(0, 0.3), rng.uniform(0, 0.05),
                   rng.uniform(0, 0.1), rng.uniform(0, 0.1), rng.uniform(0, 0.5),
                   rng.uniform(0, 0.08), fw[:rng.randint(8, len(fw))])

    def write(self, rng: random.Random, sentences: int) -> str:
        out = []
        for _ in range(sentences):
            n = max(2, int(rng.expovariate(1 / self.sentence_words)) + 2)
            ws = []
            for _ in range(n):
                r = rng.random()
                if r < self.first_person:
                    w = rng.choice(["I", "my", "we"])
                elif r < self.first_person + self.contraction:
                    w = rng.choice(["don't", "it's", "you're", "we'll"])
                elif rng.random() < self.function_share:
                    w = rng.choice(self.function_words)
                else:
                    w = rng.choice(WORDS)
                if rng.random() < self.capitals:
                    w = w.upper()
                ws.append(w)
                if rng.random() < self.comma:
                    ws[-1] += ","
                elif rng.random() < self.dash:
                    ws.append("—")
            end = "!" if rng.random() < self.exclaim else "?" if rng.random() < self.question \
                else "."
            s = " ".join(ws).rstrip(",")
            out.append(s[0].upper() + s[1:] + end)
            if rng.random() < self.newline:
                out.append("\n")
        return " ".join(out).replace(" \n ", "\n")


def answers_by(writers: list[Writer], n: int, sentences: tuple[int, int], seed: int):
    rng = random.Random(seed)
    return [rng.choice(writers).write(rng, rng.randint(*sentences)) for _ in range(n)]


def style(tmp_path, answers, **options):
    prompts = [f"Question number {i}?" for i in range(len(answers))]
    return lint(tmp_path, pairs(prompts, answers), "Y001", **options)


# -- the statistic -------------------------------------------------------------------------------

def test_spread_is_zero_for_constant_rates_and_grows_with_mixture():
    rng = random.Random(0)
    lengths = [rng.randint(20, 200) for _ in range(500)]
    one = [sum(rng.random() < 0.1 for _ in range(e)) for e in lengths]
    rates = [rng.choice([0.02, 0.1, 0.3]) for _ in lengths]
    mix = [sum(rng.random() < p for _ in range(e)) for e, p in zip(lengths, rates)]
    assert spread(one, lengths)[0] < 0.1
    assert spread(mix, lengths)[0] > 0.5
    # a fixed count per answer (a formula) is less variable than chance: φ < 1, spread 0
    kappa, phi, _ = spread([1] * len(lengths), lengths)
    assert kappa == 0 and phi < 1


def test_profile_counts():
    p = profile("Hey there! I don't know — really, I don't.\n\n- one\n- two 😊")
    assert p["exclamation"] == (1, 2) and p["contraction"][0] == 2 and p["dash"][0] == 1
    assert p["list"] == (2, 4) and p["emoji"][0] == 1 and p["first-person"][0] == 2


# -- style-collapse ----------------------------------------------------------------------------

@pytest.mark.parametrize("sentences", [(1, 2), (6, 10)], ids=["short", "long"])
def test_one_writer_is_one_voice_at_any_length(tmp_path, sentences):
    writer = Writer.draw(random.Random(1))
    rep, m = style(tmp_path, answers_by([writer], 300, sentences, seed=2))
    assert m.verdict == "fail", m.message
    assert m.value < 0.2
    assert m.details["most_uniform"] and m.details["examples"]
    assert len(rep.findings) == 1


@pytest.mark.parametrize("sentences", [(1, 2), (6, 10)], ids=["short", "long"])
def test_many_writers_are_not_one_voice(tmp_path, sentences):
    rng = random.Random(3)
    writers = [Writer.draw(rng) for _ in range(25)]
    rep, m = style(tmp_path, answers_by(writers, 300, sentences, seed=4))
    assert m.verdict == "pass", m.message
    assert m.value > 0.25
    assert not rep.findings


def test_persona_formula_over_varied_content_is_one_voice(tmp_path):
    """Varied content wrapped in one persona's opener and sign-off."""
    rng = random.Random(5)
    answers = [f"Great question! {varied_text(rng, 10, 30)}\n\nHappy to help! — Sam"
               for _ in range(100)]
    _, m = style(tmp_path, answers)
    assert m.verdict == "fail"
    assert m.details["habits"]["opening_word"] == {"text": "great", "share": 1.0}
    assert "exclamation" in m.details["most_uniform"]


def test_copies_count_once(tmp_path):
    """Ten distinct answers repeated 30 times each: too few distinct answers to judge."""
    rng = random.Random(6)
    base = [varied_text(rng) for _ in range(10)]
    _, m = style(tmp_path, base * 30)
    assert m.verdict == "info" and m.details["distinct_answers"] == 10


# -- signature-phrases -------------------------------------------------------------------------

def signed(n: int, share: float, seed: int, sign: str = "\n\nBest regards,\nJohn"):
    rng = random.Random(seed)
    out = []
    for i in range(n):
        text = varied_text(rng, 10, 40)
        out.append(text + sign if i < share * n else text)
    return out


def sig(tmp_path, answers, prompts=None, **options):
    prompts = prompts or [varied_text(random.Random(i), 4, 10) + "?" for i in range(len(answers))]
    return lint(tmp_path, pairs(prompts, answers), "Y002", **options)


def test_sign_off_flagged(tmp_path):
    rep, m = sig(tmp_path, signed(100, 0.6, seed=7))
    assert m.verdict == "fail" and m.value == pytest.approx(0.6)
    (item,) = m.details["phrases"]
    assert item["kind"] == "sign-off" and item["phrase"] == "Best regards,\nJohn".replace(
        "\n", " ") and item["answers"] == 60
    assert len(rep.findings) == 1 and "signs off 60 of 100 answers" in rep.findings[0].message


def test_opener_and_catch_phrase_flagged(tmp_path):
    rng = random.Random(8)
    answers = []
    for i in range(100):
        body = varied_text(rng, 10, 30)
        if i % 2:
            body = "I understand your request. " + body
        if i % 3 == 0:
            body = body + " As always, safety comes first when you do this. " + varied_text(rng)
        answers.append(body)
    _, m = sig(tmp_path, answers)
    kinds = {p["kind"]: p for p in m.details["phrases"]}
    assert kinds["opener"]["phrase"] == "I understand your request." and \
        kinds["opener"]["answers"] == 50
    assert kinds["phrase"]["phrase"].startswith("As always, safety comes first when you do this")
    assert kinds["phrase"]["answers"] == 34


def test_rare_sign_off_passes(tmp_path):
    _, m = sig(tmp_path, signed(100, 0.1, seed=9))
    assert m.verdict == "pass" and m.value == pytest.approx(0.1)
    assert not m.details["phrases"]


def test_opener_echoing_the_prompt_is_not_a_signature(tmp_path):
    """ "The capital of X is …" answers to "What is the capital of X?": content, not a tic."""
    rng = random.Random(10)
    countries = WORDS[100:180]
    prompts = [f"What is the capital of {c}?" for c in countries]
    answers = [f"The capital of {c} is {rng.choice(WORDS)}, a city of {rng.randint(2, 900)} "
               f"thousand people." for c in countries]
    _, m = sig(tmp_path, answers, prompts)
    assert m.verdict == "pass", m.details


def test_one_canned_answer_is_not_a_signature(tmp_path):
    """A phrase found only in copies of one answer is canned-responses' business."""
    answers = ["Thank you for reaching out, a specialist will contact you shortly."] * 40
    answers += [varied_text(random.Random(11 + i)) for i in range(60)]
    _, m = sig(tmp_path, answers)
    assert m.verdict == "pass"


# -- author-concentration ----------------------------------------------------------------------

def authored(names, where="top"):
    recs = varied(len(names), seed=12)
    for r, a in zip(recs, names):
        if where == "top":
            r["author"] = a
        else:
            r["metadata"] = {"annotator": a}
    return recs


def test_skewed_authors_flagged_with_breakdown(tmp_path):
    names = ["ann-07"] * 70 + [f"ann-{i}" for i in range(10)] * 3
    rep, m = lint(tmp_path, authored(names, "nested"), "Y003")
    assert m.verdict == "fail" and m.value == pytest.approx(0.7)
    d = m.details
    assert d["field"] == "metadata.annotator" and d["contributors"] == 11
    assert d["breakdown"][0] == {"author": "ann-07", "records": 70, "share": 0.7}
    assert len(rep.findings) == 1 and rep.findings[0].severity == "info"


def test_balanced_authors_pass(tmp_path):
    names = [f"writer-{i % 8}" for i in range(80)]
    _, m = lint(tmp_path, authored(names), "Y003")
    assert m.verdict == "pass" and m.value == pytest.approx(0.125)
    assert m.details["effective_contributors"] == pytest.approx(8.0)


def test_author_field_option(tmp_path):
    recs = varied(40, seed=13)
    for i, r in enumerate(recs):
        r["vendor_name"] = "acme" if i < 30 else "globex"
    rep = lint_records(tmp_path, recs, select=["Y003"])
    assert rep.skipped and not rep.metrics  # not a known name: skipped, not passed
    _, m = lint(tmp_path, recs, "Y003", field="vendor_name")
    assert m.verdict == "fail" and m.value == pytest.approx(0.75)


def test_no_author_field_is_skipped(tmp_path):
    rep = lint_records(tmp_path, varied(30), select=["Y003"])
    (s,) = rep.skipped
    assert s.code == "Y003" and "field" in s.reason
    assert not rep.metrics and not rep.findings


# -- calibration on the shared corpora (skipped when ../shared/corpora is absent) ---------------

ONE_VOICE = ["fastchat_dummy_conversation.json", "llamafactory_identity.json"]
MULTI_SOURCE = ["alpaca_5000.json", "codealpaca_2k.json", "llamafactory_alpaca_en_demo.json",
                "gpteacher_toolformer_dedupe_only.json",
                "gpteacher_toolformer_similarity_0.8.json"]


def _verdicts(path, codes):
    from .helpers import run

    rep = run(path, select=codes)
    assert not rep.errors, rep.errors
    return {m.code: m.verdict for m in rep.metrics}


@pytest.mark.corpora
@pytest.mark.parametrize("name", ONE_VOICE)
def test_corpora_one_voice_flagged(corpora, name):
    assert _verdicts(corpora / name, ["Y001"])["Y001"] == "fail"


@pytest.mark.corpora
@pytest.mark.parametrize("name", MULTI_SOURCE)
def test_corpora_multi_source_not_flagged(corpora, name):
    v = _verdicts(corpora / name, ["Y001", "Y002", "V003", "V004"])
    assert v == {"Y001": "pass", "Y002": "pass", "V003": "pass", "V004": "pass"}


def test_demo_support_set_is_one_voice_with_signatures():
    from .conftest import FIXTURES
    from .helpers import run

    rep = run(FIXTURES / "demo", select=["Y001", "Y002"])
    assert {m.code: m.verdict for m in rep.metrics} == {"Y001": "fail", "Y002": "fail"}
    kinds = {f.data["kind"] for f in rep.findings if f.code == "Y002"}
    assert kinds == {"opener", "sign-off"}
