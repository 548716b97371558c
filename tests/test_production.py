"""The production rules (family M) with a small injected encoder, and how production samples
are read.

The encoder is a hashed bag of words (as in ``test_semantic``): texts about the same topic
share words and are close.  The tests check datalint's logic — reading the shapes production
logs come in, relative thresholds, the false-positive control (a random half of a dataset
against the other half reports no mismatch), clusters of uncovered inputs, eval vs production,
order independence — not a model's taste; the real models run in the rule fixtures.
"""

from __future__ import annotations

import dataclasses

import random

import orjson
import pytest

from datalint.config import Config, load_config, merge_cli
from datalint.pipeline.engine import Engine
from datalint.report.model import Report
from datalint.resources.production import production_inputs

from .helpers import write_jsonl
from .test_semantic import bag_of_words

TOPICS = {
    "cooking": "recipe bake oven flour sugar butter dough simmer sauce garlic onion pasta soup "
               "roast spices dinner kitchen bread cake chicken".split(),
    "travel": "flight hotel passport airport luggage beach museum train itinerary visa tourist "
              "city island booking tour ticket journey map hostel cruise".split(),
    "code": "python function variable loop array string compile debug class method module "
            "import library error exception recursion list dictionary syntax script".split(),
    "garden": "plant soil seeds water tomato roses compost prune weeds garden lawn shrub leaf "
              "fertilizer bloom harvest mulch greenhouse sunlight orchard".split(),
    "taxes": "tax income deduction refund filing return audit payroll credit receipt deadline "
             "capital gains freelancer invoice expense accountant form quarterly irs".split(),
}
STARTS = ["Explain how to", "Describe the best way to", "Give me tips on how to",
          "Write a short guide on how to", "Tell me how to"]


def prompts(topics: list[str], n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    out = []
    for k in range(n):
        words = TOPICS[topics[k % len(topics)]]
        out.append(f"{rng.choice(STARTS)} " + " ".join(rng.sample(words, 6)) + ".")
    return out


def lint(tmp_path, train: list, production: list | None, select=("M",), eval_records=None,
         options=None):
    path = write_jsonl(tmp_path / "train.jsonl", [
        {"instruction": t, "output": "A careful answer."} if isinstance(t, str) else t
        for t in train])
    cfg = merge_cli(Config(), select=list(select), options=options)
    if production is not None:
        cfg.production = [str(write_jsonl(tmp_path / "production.jsonl", production))]
    if eval_records is not None:
        cfg.eval = [str(write_jsonl(tmp_path / "eval.jsonl", eval_records))]
    eng = Engine(cfg)
    base = eng._resource_settings
    eng._resource_settings = lambda rules, report: dataclasses.replace(
        base(rules, report), encoders={"fast": bag_of_words, "full": bag_of_words})
    return eng.run([str(path)])


def metrics(report, reference="training"):
    return {m.name: m for m in report.metrics if (m.details or {}).get("reference") == reference}


# -- reading production samples ---------------------------------------------------------------

def test_every_shape_of_production_log_is_read(tmp_path):
    lines = ['"a bare string input"',
             '{"prompt": "a prompt input"}',
             '{"input": "an input field"}',
             '{"query": "a query field"}',
             '{"question_id": 81, "category": "writing", "turns": ["first turn", "second turn"]}',
             '{"messages": [{"role": "user", "content": "user one"}, {"role": "assistant", '
             '"content": "reply"}, {"role": "user", "content": "user two"}]}',
             '{"instruction": "an alpaca instruction", "input": "", "output": "x"}']
    p = tmp_path / "prod.jsonl"
    p.write_text("\n".join(lines) + "\n")
    eng = Engine(Config(select=["M"]))
    recs = eng.read_records([str(p)], Report())
    got = [(r.line, n, t) for r, n, t in production_inputs(recs)]
    assert got == [(1, 0, "a bare string input"), (2, 0, "a prompt input"),
                   (3, 0, "an input field"), (4, 0, "a query field"),
                   (5, 0, "first turn"), (5, 1, "second turn"),
                   (6, 0, "user one"), (6, 1, "user two"), (7, 0, "an alpaca instruction")]


def test_a_csv_column_is_read_with_production_field(tmp_path):
    p = tmp_path / "logs.csv"
    p.write_text("id,text,user_query\n1,ignored,how do I reset my password\n2,no,\n")
    recs = Engine(Config(select=["M"])).read_records([str(p)], Report())
    assert [t for _, _, t in production_inputs(recs, "user_query")] == [
        "how do I reset my password"]


def test_production_in_the_config_is_relative_to_the_config_file(tmp_path):
    (tmp_path / "cfg").mkdir()
    cfg_file = tmp_path / "cfg" / "datalint.toml"
    cfg_file.write_text('production = ["logs/sample.jsonl"]\nproduction-field = "q"\n')
    cfg = load_config(cfg_file)
    assert cfg.production == [str((tmp_path / "cfg" / "logs" / "sample.jsonl").resolve())]
    assert cfg.production_field == "q"


# -- verdicts ---------------------------------------------------------------------------------

def test_without_a_production_sample_every_rule_is_skipped_not_passed(tmp_path):
    rep = lint(tmp_path, prompts(list(TOPICS), 40, 0), None)
    assert not rep.metrics and not rep.findings
    assert {s.code for s in rep.skipped} == {"M001", "M002", "M003", "M004", "M005", "M006"}
    assert len({s.reason for s in rep.skipped}) == 1
    assert "--production" in rep.skipped[0].reason


def test_a_random_half_against_the_other_half_reports_no_mismatch(tmp_path):
    data = prompts(list(TOPICS), 600, 1)
    random.Random(7).shuffle(data)
    rep = lint(tmp_path, data[:300], [{"prompt": t} for t in data[300:]])
    got = metrics(rep)
    assert set(got) == {"production-coverage", "distribution-shift", "language-mismatch",
                        "length-mismatch", "style-mismatch", "overrepresented-topics"}
    assert {n: m.verdict for n, m in got.items()} == dict.fromkeys(got, "pass")
    assert not rep.findings and not rep.errors
    assert got["distribution-shift"].value < 0.6


def test_a_topic_training_never_shows_is_uncovered_and_named(tmp_path):
    train = prompts(["cooking", "travel", "code", "garden"], 400, 2)
    prod = prompts(["cooking", "travel", "code", "garden"], 100, 3) + prompts(["taxes"], 60, 4)
    rep = lint(tmp_path, train, [{"query": t} for t in prod],
               select=["production-coverage", "distribution-shift"])
    cov = metrics(rep)["production-coverage"]
    assert cov.verdict == "fail"
    clusters = cov.details["clusters"]
    tax_words = set(TOPICS["taxes"])
    # the uncovered inputs are the tax questions, and the clusters are labelled with tax terms
    assert sum(c["size"] for c in clusters) >= 50
    assert all(set(c["label"].split(", ")) & tax_words for c in clusters[:3])
    assert all(any(w in e["text"].lower() for w in tax_words)
               for c in clusters[:3] for e in c["examples"])
    assert 2 <= len(clusters[0]["examples"]) <= 3
    assert metrics(rep)["distribution-shift"].value > 0.6  # 0.5: indistinguishable
    assert any("production asks what training never shows" in f.message for f in rep.findings)


def test_training_topics_production_never_visits_are_reported(tmp_path):
    train = prompts(["cooking", "code"], 300, 5)
    prod = prompts(["code"], 120, 6)
    rep = lint(tmp_path, train, prod, select=["overrepresented-topics"])
    m = metrics(rep)["overrepresented-topics"]
    assert m.verdict == "fail"
    assert 0.3 <= m.value <= 0.6  # the cooking half of training
    for topic in m.details["unvisited"]:
        assert set(topic["label"].split(", ")) & set(TOPICS["cooking"])


def test_lengths_and_style_that_differ_fail(tmp_path):
    train = prompts(list(TOPICS), 200, 8)
    prod = [("hey can u help me, " + t.lower().rstrip(".") + " " + t.lower() * 6 + " ??")
            for t in prompts(list(TOPICS), 80, 9)]
    rep = lint(tmp_path, train, prod, select=["length-mismatch", "style-mismatch"])
    got = metrics(rep)
    assert got["length-mismatch"].verdict == "fail"
    assert got["length-mismatch"].details["quantiles"]["p50"]["production"] > 300
    assert got["style-mismatch"].verdict == "fail"
    top = {f["feature"] for f in got["style-mismatch"].details["features"][:4]}
    assert "starts lower-case" in top or "has a question mark" in top


def test_the_eval_set_is_compared_with_production_too(tmp_path):
    train = prompts(["cooking", "travel", "code", "garden", "taxes"], 300, 10)
    evals = [{"instruction": t, "output": "x"} for t in prompts(["cooking", "travel"], 100, 11)]
    prod = prompts(["code", "garden", "taxes"], 150, 12)
    rep = lint(tmp_path, train, prod, select=["production-coverage", "distribution-shift"],
               eval_records=evals)
    assert metrics(rep, "eval")["distribution-shift"].verdict == "fail"
    assert metrics(rep, "eval")["distribution-shift"].message.startswith("eval vs production")
    assert metrics(rep, "training")["distribution-shift"].value < \
        metrics(rep, "eval")["distribution-shift"].value


def test_metrics_do_not_depend_on_record_order(tmp_path):
    train = prompts(["cooking", "travel", "code"], 240, 13)
    prod = prompts(["cooking", "taxes"], 80, 14)
    a = lint(tmp_path / "a" if (tmp_path / "a").mkdir() is None else None, train, prod)
    shuffled_t, shuffled_p = train[:], prod[:]
    random.Random(3).shuffle(shuffled_t)
    random.Random(4).shuffle(shuffled_p)
    b = lint(tmp_path / "b" if (tmp_path / "b").mkdir() is None else None, shuffled_t,
             shuffled_p)

    def values(rep):
        return {(m.name, m.value, m.verdict,
                 orjson.dumps([c["label"] for c in (m.details or {}).get("clusters", [])]))
                for m in rep.metrics}
    assert values(a) == values(b)


@pytest.mark.parametrize("too_few", [3])
def test_too_few_inputs_are_not_judged(tmp_path, too_few):
    rep = lint(tmp_path, prompts(list(TOPICS), 50, 15), prompts(["taxes"], too_few, 16))
    assert rep.metrics and {m.verdict for m in rep.metrics} == {"info"}
    assert not rep.findings


# -- language-mismatch: short texts -----------------------------------------------------------

SHORT_ENGLISH = ["my files r gone after update?? help", "Does the desktop app work on Linux?",
                 "How do I reset my password?", "Why is the sync so slow on my phone?",
                 "Can I get an invoice with my VAT number on it?",
                 "What happens to my files if my card expires?"]
SHORT_FOREIGN = {"fr": "Comment puis-je récupérer un fichier supprimé ?",
                 "es": "¿Cómo comparto una carpeta con mi equipo?",
                 "de": "Wie kann ich mein Abo kündigen?"}


def test_short_texts_get_their_language_from_function_words_too():
    from langdetect import DetectorFactory, detect_langs

    from datalint.rules.production.language_mismatch import language_of

    DetectorFactory.seed = 0

    def lang(t):
        return language_of(t, [(g.lang, g.prob) for g in detect_langs(t)])

    assert [lang(t) for t in SHORT_ENGLISH] == ["en"] * len(SHORT_ENGLISH)
    assert {k: lang(t) for k, t in SHORT_FOREIGN.items()} == {k: k for k in SHORT_FOREIGN}


def test_single_short_inputs_in_languages_training_lacks_are_found(tmp_path):
    train = prompts(list(TOPICS), 60, 5)
    prod = [{"prompt": t} for t in SHORT_ENGLISH * 2 + list(SHORT_FOREIGN.values())]
    rep = lint(tmp_path, train, prod, select=["language-mismatch"])
    m = metrics(rep)["language-mismatch"]
    assert m.verdict == "fail"
    assert set(m.details["lacking"]) == {"fr", "es", "de"}   # not "da" for the English one
    assert "lacks: de (6.7%), es (6.7%), fr (6.7%)" in m.message
    # every production language shown, none said to be lacking unless it is in the list
    assert m.details["production"].keys() == {"en", "fr", "es", "de"}


def test_short_english_production_is_not_a_language_mismatch(tmp_path):
    rep = lint(tmp_path, prompts(list(TOPICS), 60, 6), [{"prompt": t} for t in SHORT_ENGLISH * 3],
               select=["language-mismatch"])
    m = metrics(rep)["language-mismatch"]
    assert m.verdict == "pass" and m.details["lacking"] == {}
    assert "lacks: none" in m.message and m.details["production"] == {"en": 1.0}


def test_uncovered_inputs_with_no_shared_word_say_so_in_words():
    from datalint.rules.production._common import NO_TOPIC, cluster_labels

    assert cluster_labels([["alpha beta", "gamma delta", "kappa omega"]], ["epsilon"]) == [NO_TOPIC]
    assert "no one topic" in NO_TOPIC and "(no common terms)" not in NO_TOPIC
