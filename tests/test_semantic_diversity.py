"""low-semantic-diversity (V005), narrow-task (V006) and their use by no-general-mix (T007),
with a small injected encoder on constructed datasets whose answer is known: one topic vs many.

The encoder is a hashed bag of words (as in test_semantic.py): texts sharing words are close.
"One topic" records reuse a small vocabulary about one thing; "many topics" records draw
their prompts from many unrelated everyday requests (and from the shipped general reference's
own wording, which is what a general instruction set looks like to a bag of words).
"""

from __future__ import annotations

import dataclasses
import os
import random
from pathlib import Path

import numpy as np
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from datalint.resources import Resources, ResourceSettings
from datalint.resources.textstats import stable_sample
from datalint.rules.diversity import _semantic as sem

from . import helpers
from .conftest import FIXTURES
from .test_diversity import _summary
from .test_semantic import bag_of_words, lint

ROUTER = ["router", "wifi", "password", "reset", "connection", "modem", "signal", "cable",
          "light", "blinking", "firmware", "update", "network", "slow"]
SUBJECTS = ["poem", "python", "budget", "volcano", "recipe", "history", "chess", "french",
            "essay", "garden", "planet", "sleep", "interview", "email", "guitar", "tax",
            "vaccine", "river", "painting", "election", "fraction", "dog", "bicycle", "novel",
            "marathon", "coffee", "database", "moon", "resume", "opera"]
VERBS = ["write", "explain", "summarize", "translate", "compare", "list", "describe", "plan",
         "fix", "suggest", "calculate", "classify", "outline", "review", "draft"]


def one_topic(n: int, seed: int = 0) -> list[dict]:
    """Router support: every prompt and answer drawn from the same few words."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        ws = rng.sample(ROUTER, 5)
        out.append({"prompt": f"my {ws[0]} {ws[1]} {ws[2]} problem {ws[3]} {i}?",
                    "completion": f"please {ws[2]} the {ws[3]} {ws[4]} router then {ws[0]}"})
    return out


def many_topics(n: int, seed: int = 0) -> list[dict]:
    """General requests: everyday prompts in the reference's own wording (in a seeded order,
    each with a request number), with answers drawn from many unrelated words."""
    rng = random.Random(seed)
    ref = sem.reference_prompts()
    rng.shuffle(ref)
    out = []
    for i in range(n):
        p = f"{ref[i % len(ref)]} (request {i})"
        a = " ".join(rng.sample(SUBJECTS, 4) + rng.sample(VERBS, 3))
        out.append({"prompt": p, "completion": a})
    return out


def metric(rep, code):
    found = [m for m in rep.metrics if m.code == code]
    assert len(found) == 1, rep.metrics
    return found[0]


def run(tmp_path, records, code, options=None):
    rep = lint(tmp_path, records, [code], options=options)
    assert not rep.errors, rep.errors
    return rep, metric(rep, code)


# -- the measures ------------------------------------------------------------------------------

def test_vendi_score_bounds():
    rng = np.random.default_rng(0)
    same = np.tile([[1.0, 0.0, 0.0]], (10, 1))
    assert sem.vendi(same) == pytest.approx(1.0)
    assert sem.vendi(np.eye(8)) == pytest.approx(8.0)
    x = rng.normal(size=(50, 16))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    assert 1.0 < sem.vendi(x) < 16.0
    # weights: one vector carrying almost all the weight is almost one text
    w = np.array([1000.0] + [1.0] * 7)
    assert sem.vendi(np.eye(8), w) < 1.2


def test_vendi_matches_the_kernel_definition():
    """exp(entropy of the eigenvalues of K/n), K the cosine kernel (Friedman & Dieng 2022)."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(30, 8))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    lam = np.clip(np.linalg.eigvalsh(x @ x.T / 30), 1e-15, None)
    lam = lam[lam > 1e-12]
    assert sem.vendi(x) == pytest.approx(np.exp(-(lam * np.log(lam)).sum()))


def test_cluster_shares_and_effective_number():
    blobs = np.repeat(np.eye(4), [70, 10, 10, 10], axis=0)
    cl = sem.clusters(blobs, np.full(100, 0.01), 4, [f"t{i}" for i in range(100)])
    assert cl.shares == pytest.approx([0.7, 0.1, 0.1, 0.1])
    assert cl.effective == pytest.approx(np.exp(-(0.7 * np.log(0.7) + 0.3 * np.log(0.1))))


def test_reference_prompts_are_shipped():
    ref = sem.reference_prompts()
    assert len(ref) >= 200 and len(set(ref)) == len(ref)


# -- low-semantic-diversity --------------------------------------------------------------------

def test_one_topic_is_low_semantic_diversity(tmp_path):
    rep, m = run(tmp_path, one_topic(120), "V005")
    assert m.verdict == "fail" and m.value < 0.3
    assert m.details["response"]["relative_vendi"] < 0.3
    assert len(rep.findings) == 1 and rep.findings[0].related


def test_many_topics_pass(tmp_path):
    rep, m = run(tmp_path, many_topics(200), "V005")
    assert m.verdict == "pass" and m.value >= 0.3, m.message
    assert not rep.findings


def test_a_few_answers_repeated_fail_even_with_varied_prompts(tmp_path):
    """Varied questions, but every answer one of three: the responses do not spread."""
    recs = many_topics(150)
    canned = ["please restart the router", "we will call you back soon", "thank you"]
    for i, r in enumerate(recs):
        r["completion"] = canned[i % 3]
    _, m = run(tmp_path, recs, "V005")
    # three distinct responses: too few to judge that role; prompts alone pass
    assert m.details["unmeasured_roles"] == ["response"] and m.verdict == "pass"


def test_semantic_diversity_too_few_texts_is_not_judged(tmp_path):
    from datalint.rules.diversity.low_semantic_diversity import MIN_TEXTS

    rep, m = run(tmp_path, one_topic(MIN_TEXTS - 1), "V005")
    assert m.verdict == "info" and not rep.findings
    assert f"fewer than {MIN_TEXTS}" in m.message


def test_every_text_is_embedded_by_its_opening_window(tmp_path):
    """Data and reference alike are embedded by their first WINDOW words: long answers are
    compared with short prompts like with like, not as whole texts."""
    seen: list[str] = []

    def recording(texts):
        seen.extend(texts)
        return bag_of_words(texts)

    from datalint.resources.texts import word_count

    rng = random.Random(4)
    recs = [{"prompt": p["prompt"],
             "completion": " ".join(rng.sample(SUBJECTS, 5) + rng.sample(VERBS, 5)) * 8}
            for p in many_topics(40)]
    rep = lint(tmp_path, recs, ["V005"], encoder=recording)
    assert not rep.errors and seen
    assert max(word_count(t) for t in seen) == sem.WINDOW
    assert sem.window(recs[0]["completion"]) in seen


def test_leading_words_counts_words_in_any_script():
    from datalint.resources.texts import leading_words

    assert leading_words("The cat  sat on the mat.", 3) == "The cat  sat"
    assert leading_words("Short text.", 16) == "Short text."
    assert leading_words("他不想来。我们走吧", 4) == "他不想来"  # a Han character is a word


def test_an_instruction_opening_shared_by_many_prompts_is_skipped():
    """"Classify the sentiment of this review: …" on one line with its input: the window is
    taken after the shared opening, as a shared template line is masked."""
    texts = [f"Classify the sentiment of this review: {w} was fine" for w in SUBJECTS]
    shared = sem.template_openings(texts)
    assert sem.skip_opening(texts[0], shared) == f"{SUBJECTS[0]} was fine"
    # look-alikes: an opening few prompts share, and a prompt that is the shared text itself
    few = texts[:4] + [f"{v} the {s}" for v, s in zip(VERBS * 4, SUBJECTS)]
    assert sem.skip_opening(few[0], sem.template_openings(few)) == few[0]
    same = ["What is up?"] * 30 + [f"what is {s}?" for s in SUBJECTS]
    assert sem.skip_opening("What is up?", sem.template_openings(same)) == "What is up?"


def classification(n: int, seed: int = 0) -> list[dict]:
    """A sentiment set: varied reviews, each answered with one of three labels."""
    rng = random.Random(seed)
    return [{"prompt": f"Classify the sentiment of this review: {r['prompt']}",
             "completion": rng.choice(["Positive", "negative", "Neutral."])}
            for r in many_topics(n, seed)]


def test_label_only_answers_are_not_judged(tmp_path):
    """Answers that are one label from a small set say nothing about semantic diversity: the
    responses are skipped with the reason, the prompts are still judged."""
    rep, m = run(tmp_path, classification(120), "V005")
    why = m.details["unmeasured"]["response"]
    assert why.startswith("label-only answers") and "one of 3 short labels" in why
    assert "responses not judged: label-only answers" in m.message
    assert m.details["unmeasured_roles"] == ["response"] and "prompt" in m.details
    assert m.verdict == "pass" and not rep.findings


def test_labels_among_sentence_answers_are_left_out(tmp_path):
    """Look-alike: a set with some label answers and enough answers of sentence length is
    judged on the sentences; the labels do not count as (low-diversity) responses."""
    recs = classification(60) + many_topics(60, seed=8)
    _, m = run(tmp_path, recs, "V005")
    assert "response" in m.details and "response" not in m.details["unmeasured"]
    assert m.details["response"]["distinct_texts"] == 60


def test_semantic_diversity_threshold_is_an_option(tmp_path):
    _, m = run(tmp_path, many_topics(200), "V005", {"V005": {"min-relative-vendi": 0.99}})
    assert m.verdict == "fail" and m.threshold == 0.99


# -- narrow-task --------------------------------------------------------------------------------

def test_one_topic_is_a_narrow_task(tmp_path):
    rep, m = run(tmp_path, one_topic(120), "V006")
    assert m.verdict == "fail" and m.value < 0.45
    assert m.details["relative_spread"] < 0.5
    assert len(rep.findings) == 1
    msg = rep.findings[0].message
    assert "general instruction data" in msg and "LoRA" in msg and "1–3 epochs" in msg


def test_general_instructions_are_not_narrow(tmp_path):
    rep, m = run(tmp_path, many_topics(200), "V006")
    assert m.verdict == "pass" and m.value >= 0.45, m.message
    assert not rep.findings


def test_narrow_task_with_general_data_mixed_in_passes(tmp_path):
    """The fix works: the same router set with general instructions mixed in is not narrow."""
    _, m = run(tmp_path, one_topic(100) + many_topics(100, seed=3), "V006")
    assert m.verdict == "pass", m.message


def test_narrow_task_too_few_prompts_is_not_judged(tmp_path):
    rep, m = run(tmp_path, one_topic(8), "V006")
    assert m.verdict == "info" and not rep.findings


# -- order independence ---------------------------------------------------------------------------

@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.integers(0, 40), st.integers(0, 60), st.randoms())
def test_shuffling_records_does_not_change_the_metrics(tmp_path_factory, n_narrow, n_general,
                                                       rnd):
    records = one_topic(n_narrow, seed=5) + many_topics(n_general, seed=6)
    records += records[: len(records) // 4]  # repeats: weights must not depend on order either
    a = lint(tmp_path_factory.mktemp("a"), records, ["V005", "V006"])
    shuffled = list(records)
    rnd.shuffle(shuffled)
    b = lint(tmp_path_factory.mktemp("b"), shuffled, ["V005", "V006"])
    assert not a.errors and not b.errors
    assert _summary(a) == _summary(b)


def test_sample_is_bounded(tmp_path):
    """Above ``sample`` distinct prompts only a hash sample is measured."""
    _, m = run(tmp_path, many_topics(300), "V006", {"V006": {"sample": 50}})
    assert m.details["sampled_prompts"] == 50 and m.details["distinct_prompts"] > 250


def test_encoder_is_the_injected_one():
    assert bag_of_words(["router"]).shape[1] == 256


# -- no-general-mix uses the narrow-task measurement ------------------------------------------

def lint_with_config(tmp_path, records, config_name, select=("no-general-mix",), options=None):
    from datalint.config import Config, merge_cli
    from datalint.pipeline.engine import Engine

    from .conftest import FIXTURES
    from .helpers import write_jsonl

    path = write_jsonl(tmp_path / "train.jsonl", records)
    cfg = merge_cli(Config(), select=list(select), options=options,
                    training_config=[str(FIXTURES / "training" / config_name)])
    eng = Engine(cfg)
    base = eng._resource_settings
    eng._resource_settings = lambda rules, report: dataclasses.replace(
        base(rules, report), encoders={"fast": bag_of_words, "full": bag_of_words})
    rep = eng.run([str(path)])
    assert not rep.errors, rep.errors
    return rep


def test_no_general_mix_flags_narrow_data_with_full_finetuning(tmp_path):
    rep = lint_with_config(tmp_path, one_topic(120), "axolotl-full.yaml")
    assert [f.code for f in rep.findings] == ["T007"]
    assert "one narrow task" in rep.findings[0].message


def test_no_general_mix_leaves_general_data_alone(tmp_path):
    """Small (under min-records) but general: measured as not narrow, so not the setup."""
    rep = lint_with_config(tmp_path, many_topics(200), "axolotl-full.yaml")
    assert not rep.findings


def test_no_general_mix_narrow_data_with_lora_is_fine(tmp_path):
    rep = lint_with_config(tmp_path, one_topic(120), "axolotl-qlora.yaml")
    assert not rep.findings


# -- no-general-mix reads narrow-task's measurement with narrow-task's options -----------------

NOTHING_IS_NARROW = {"V006": {"max-coverage": 0.0}}
EVERYTHING_IS_NARROW = {"V006": {"max-coverage": 1.01, "max-relative-spread": 100.0}}


@pytest.mark.parametrize("select", [("no-general-mix",), ("no-general-mix", "narrow-task")])
def test_no_general_mix_sees_the_users_narrow_task_options(tmp_path, select):
    """[rules.narrow-task] options decide what no-general-mix counts as narrow, whether or not
    narrow-task itself is selected."""
    rep = lint_with_config(tmp_path, one_topic(120), "axolotl-full.yaml", select,
                           NOTHING_IS_NARROW)
    assert "T007" not in [f.code for f in rep.findings]
    rep = lint_with_config(tmp_path, many_topics(200), "axolotl-full.yaml", select,
                           EVERYTHING_IS_NARROW)
    assert "T007" in [f.code for f in rep.findings]


def test_no_general_mix_agrees_with_narrow_task(tmp_path):
    """With both selected the measurement is made once and both rules read it: the same
    verdict, the same description."""
    rep = lint_with_config(tmp_path, one_topic(120), "axolotl-full.yaml",
                           ("no-general-mix", "narrow-task"))
    (m,) = [m for m in rep.metrics if m.code == "V006"]
    (t007,) = [f for f in rep.findings if f.code == "T007"]
    assert m.verdict == "fail"
    assert m.message.split(" (narrow below")[0] in t007.message


def test_no_general_mix_with_default_options_is_unchanged(tmp_path):
    """Without narrow-task options the measurement is the one narrow-task's defaults make."""
    from datalint.resources import Resources
    from datalint.rules.diversity.narrow_task import NarrowTask

    for records in (one_topic(120), many_topics(200)):
        alone = lint_with_config(tmp_path, records, "axolotl-full.yaml")
        both = lint_with_config(tmp_path, records, "axolotl-full.yaml",
                                ("no-general-mix", "narrow-task"))
        assert [f.to_dict() for f in alone.findings if f.code == "T007"] == \
            [f.to_dict() for f in both.findings if f.code == "T007"]
    # outside a run (no options given) a rule's options are its defaults
    assert Resources(None).options(NarrowTask) == NarrowTask.Options()


# -- with the real (default) model: long answers are compared like with like -------------------

LONG_ANSWERS = FIXTURES / "diversity" / "long_answers.jsonl"
CANNED_LONG = (
    "Thank you for contacting Nimbus support, {name}. We are sorry to hear that your {product} "
    "stopped working. Please unplug the device, wait thirty seconds and plug it back in. If the "
    "problem continues, open the companion app, choose Settings, then Device, then Restart, and "
    "wait for the status light to turn green. Should that not help, reply to this message with "
    "your order number and the serial number printed under the device, and our team will "
    "arrange a replacement within {days} working days. We appreciate your patience and are "
    "always happy to help with anything else you need.")


@pytest.mark.slow
def test_long_diverse_answers_pass():
    """Sixteen long answers (143-200 words) on sixteen unrelated subjects: diverse.  Embedded
    whole they spread much less than their openings do: the length effect the window takes
    out."""
    rep = helpers.run(LONG_ANSWERS, select=["V005"])
    m = metric(rep, "V005")
    assert m.verdict == "pass" and not rep.findings, m.message
    assert m.details["response"]["compared_texts"] == 16

    res = Resources([], ResourceSettings(cache_dir=Path(os.environ["DATALINT_CACHE_DIR"])))
    answers = [orjson.loads(line)["completion"] for line in LONG_ANSWERS.read_bytes().splitlines()]
    ref = sem.reference_prompts()
    whole = sem.vendi(res.embed(answers, "fast")) / sem.vendi(
        res.embed([ref[i] for i in stable_sample(ref, len(answers))], "fast"))
    assert whole < m.details["response"]["relative_vendi"]


@pytest.mark.slow
def test_one_long_canned_answer_with_variations_fails(tmp_path):
    names = ["Ana", "Ben", "Chen", "Dara", "Eli", "Femi", "Gus", "Hana", "Ivo", "Jun", "Kai",
             "Lena", "Milo", "Nia", "Omar", "Pia", "Quinn", "Rosa", "Sam", "Tara"]
    products = ["router", "speaker", "camera", "doorbell", "thermostat"]
    prompts = sem.reference_prompts()
    recs = [{"prompt": prompts[i * 7],
             "completion": CANNED_LONG.format(name=n, product=products[i % 5], days=2 + i % 4)}
            for i, n in enumerate(names)]
    rep = helpers.run(helpers.write_jsonl(tmp_path / "canned.jsonl", recs), select=["V005"])
    m = metric(rep, "V005")
    assert m.verdict == "fail" and len(rep.findings) == 1
    assert m.details["response"]["relative_vendi"] < 0.3
    assert m.details["prompt"]["relative_vendi"] >= 0.3  # the questions vary: only the answers
