"""The planting functions of benchmarks/quality.py, on hand-written records (no corpora needed).

Each planted kind must produce what the benchmark's docstring says it produces: the figures of
the benchmark are only as honest as its plants.
"""

from __future__ import annotations

import copy
import difflib
import importlib.util
import json
import random
import re
import sys

import pytest

from .conftest import ROOT

_spec = importlib.util.spec_from_file_location("quality_benchmark",
                                               ROOT / "benchmarks" / "quality.py")
q = importlib.util.module_from_spec(_spec)
sys.modules["quality_benchmark"] = q
_spec.loader.exec_module(q)


def rec(instruction, output, inp=""):
    return {"instruction": instruction, "input": inp, "output": output}


RECORDS = [
    rec("Is the Pacific the largest ocean on Earth?", "Yes"),
    rec("Can penguins fly over long distances?", "No"),
    rec("Does water boil at 100 degrees Celsius at sea level?", "Yes."),
    rec("How many legs does a spider have?", "8"),
    rec("What is 12 multiplied by 3?", "36"),
    rec("Can you freeze fresh bread to keep it longer?",
        "Yes, you can freeze fresh bread for up to three months if you wrap it tightly in plastic "
        "and then in foil, and it thaws quickly at room temperature."),
    rec("Is it safe to look directly at the sun during an eclipse?",
        "No, it is not safe to look directly at the sun during an eclipse, because the intense "
        "light can permanently damage your retina even when most of the disc is covered."),
    rec("How long does the standard return window last for online orders?",
        "The standard return window for online orders lasts 30 days from the date of delivery, "
        "and items must be unused and in their original packaging to qualify for a refund."),
    rec("Describe the storage plan of the basic cloud subscription.",
        "The basic cloud subscription includes 50 GB of storage, automatic backups every night, "
        "and sharing links that expire after 14 days unless you renew them in the settings."),
    rec("Who painted the Mona Lisa?",
        "The Mona Lisa was painted by Leonardo da Vinci during the Italian Renaissance, and the "
        "portrait now hangs behind protective glass where millions of visitors see it each year."),
    rec("Which city hosted the first modern Olympic Games?",
        "The first modern Olympic Games were held in Athens in 1896, bringing together athletes "
        "from fourteen nations to compete in running, wrestling, swimming and cycling events."),
    rec("Convert 20 miles to kilometers.",
        "20 miles is about 32.19 kilometers, because one mile equals 1.609 kilometers."),
    rec("Translate the following sentence from English to French.", "Bonjour, mon ami.",
        "Good morning, my friend."),
    rec("Write a function that converts Celsius to Fahrenheit.",
        "def c_to_f(c):\n    return c * 9 / 5 + 32  # Celsius to Fahrenheit"),
    rec("Summarize the following paragraph in one sentence.",
        "The council approved more bike lanes.",
        "The city council voted on Tuesday to expand the bike lane network across downtown, "
        "citing safety data and a rise in cycling commuters."),
    rec("Classify the sentiment of this review.", "Negative",
        "The food was cold and the waiter ignored us for an hour."),
    rec("Extract the main verb from the sentence.", "played",
        "The children played in the garden all afternoon."),
    rec("Rewrite the sentence in passive voice.", "A delicious meal was cooked by the chef.",
        "The chef cooked a delicious meal."),
    rec("Plan a three-day trip to Paris for a family with young children.",
        "On the first day, visit the Eiffel Tower early in the morning and picnic in the park "
        "nearby. On the second day, take a boat along the river and stop at the aquarium. On "
        "the third day, spend the morning at a science museum in Paris before heading home."),
    rec("Write a short note about the capital of Japan.",
        "Tokyo is the capital of Japan and one of the largest cities in the world. It mixes "
        "ancient temples with bright modern districts. Its trains are famous for being on time."),
    rec("Tell me a fun fact about Albert Einstein.",
        "Albert Einstein loved playing the violin and often said that music helped him think "
        "about physics problems when he felt stuck on a difficult idea."),
    rec("Explain why the sky looks blue during the day.",
        "Sunlight contains every colour of the visible spectrum. When it enters the atmosphere, "
        "the short blue wavelengths are scattered by gas molecules much more than the long red "
        "ones. This scattered blue light reaches our eyes from every direction of the sky."),
    rec("Give some advice for a first job interview.",
        "Research the company before the interview and prepare a few questions of your own. "
        "Arrive a little early and dress slightly more formally than the daily dress code. "
        "Listen carefully, answer with concrete examples, and thank the interviewer afterwards."),
    rec("Describe how a bill becomes a law.",
        "A bill is first introduced by a member of the legislature and sent to a committee. "
        "The committee studies it, holds hearings and may amend it before a vote. If both "
        "chambers pass the same text, it goes to the executive, who can sign or veto it."),
    rec("What are the benefits of regular exercise?",
        "Regular exercise strengthens the heart and lungs and helps control body weight. It "
        "improves mood by releasing endorphins and reduces the risk of many chronic diseases. "
        "It also tends to improve sleep quality and daily energy levels."),
    rec("Outline the steps to brew a good cup of tea.",
        "Start with fresh cold water and bring it to the right temperature for your tea. Warm "
        "the pot or cup, then add the leaves and pour the water over them. Steep for the "
        "recommended time, remove the leaves, and add milk or lemon if you like."),
    rec("Write a paragraph about the importance of sleep for students.",
        "Sleep gives the brain time to consolidate what was learned during the day. Students "
        "who sleep enough concentrate better, remember more and handle stress more calmly. "
        "Cutting sleep to study longer usually backfires because tired minds make more errors."),
    rec("Suggest ways to reduce plastic waste at home.",
        "Bring reusable bags when shopping and keep a refillable bottle for water. Buy food in "
        "bulk or with minimal packaging, and store leftovers in glass containers. Choose bar "
        "soap and shampoo instead of liquid products sold in plastic bottles."),
    rec("Explain what a budget is and why households should keep one.",
        "A budget is a plan that lists expected income and spending for a period of time. "
        "Keeping one shows where money actually goes and reveals habits that quietly drain "
        "savings. It also makes it easier to prepare for large expenses and emergencies."),
    rec("Describe the water cycle in simple terms.",
        "The sun warms oceans, lakes and rivers, and some of the water evaporates into vapour. "
        "The vapour rises, cools and condenses into tiny droplets that form clouds. When the "
        "droplets grow heavy they fall as rain or snow and flow back to the sea."),
    rec("List some tips for learning a new language quickly.",
        "Practise a little every single day rather than cramming once a week. Speak with native "
        "speakers as early as possible, even if you make mistakes. Watch films and listen to "
        "podcasts in the language, and keep a notebook of useful phrases."),
    rec("Explain how vaccines train the immune system.",
        "A vaccine shows the immune system a harmless piece or copy of a germ. The body responds "
        "by making antibodies and memory cells that recognise it. If the real germ arrives later, "
        "those cells react quickly and usually stop the illness before it becomes serious."),
]


def plant(kinds, records=RECORDS, n=5, seed=0):
    return q.plant(records, kinds=kinds, per_kind=n, seed=seed)


def toks(r):
    return (r["instruction"] + "\n" + r["output"]).split()


# --------------------------------------------------------------------------- general


def test_originals_unchanged_first_and_in_order():
    snapshot = copy.deepcopy(RECORDS)
    out, plants = plant(None, n=3)
    assert RECORDS == snapshot
    assert out[:len(RECORDS)] == snapshot
    assert all(a is b for a, b in zip(out, RECORDS))
    assert plants and all(p.b >= len(RECORDS) for p in plants)
    # every planted record belongs to exactly one plant
    new = [i for p in plants for i in {p.a, p.b} if i >= len(RECORDS)]
    assert sorted(new) == list(range(len(RECORDS), len(out)))
    # a source is used by one plant only
    sources = [p.source for p in plants]
    assert len(sources) == len(set(sources))


def test_same_seed_same_output_other_seed_differs():
    a = plant(None, n=3, seed=7)
    b = plant(None, n=3, seed=7)
    c = plant(None, n=3, seed=8)
    assert json.dumps(a[0]) == json.dumps(b[0])
    assert [vars(p) for p in a[1]] == [vars(p) for p in b[1]]
    assert json.dumps(a[0]) != json.dumps(c[0])


def test_unknown_kind_rejected():
    with pytest.raises(ValueError):
        plant(["no-such-kind"])


def test_planted_json_keeps_the_original_bytes():
    base = json.dumps(RECORDS[:3], indent=2) + "\n"
    extra = [rec("Extra question?", "Yes")]
    text = q.planted_json(base, extra)
    assert text.startswith(base.rstrip()[:-1].rstrip())
    assert json.loads(text) == RECORDS[:3] + extra
    assert json.loads(q.planted_json("[]", extra)) == extra


# --------------------------------------------------------------------------- near-duplicates


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5])
def test_edit_k_changes_exactly_k_words_never_numbers_or_capitals(k):
    out, plants = plant([f"edit-{k}"], n=10)
    assert len(plants) >= 5
    for p in plants:
        a, b = out[p.a], out[p.b]
        assert p.a == p.source and a is RECORDS[p.source]
        assert q.Ctx(RECORDS).length(p.source) >= q.MIN_WORDS
        assert b["input"] == a["input"]
        sm = difflib.SequenceMatcher(None, toks(a), toks(b), autojunk=False)
        changed = 0
        for op, i1, i2, j1, j2 in sm.get_opcodes():
            if op == "equal":
                continue
            changed += max(i2 - i1, j2 - j1)
            for t in toks(a)[i1:i2]:            # touched original words
                assert q.EDITABLE.match(t), t
                assert not re.search(r"\d|[A-Z]", t), t
            for t in toks(b)[j1:j2]:            # written words
                assert not re.search(r"\d|[A-Z]", t), t
        assert changed == k, (k, a, b)


def test_edit_words_direct():
    text = ("the quick brown fox jumps over the lazy dog while the Farmer counts 12 sheep "
            "and the cat sleeps near the warm fire in the kitchen")
    for seed in range(20):
        out = q.edit_words([text], 3, random.Random(seed))
        sm = difflib.SequenceMatcher(None, text.split(), out[0].split(), autojunk=False)
        assert sum(max(i2 - i1, j2 - j1) for op, i1, i2, j1, j2 in sm.get_opcodes()
                   if op != "equal") == 3
        assert "Farmer" in out[0] and "12" in out[0]
    assert q.edit_words(["Only Capitals And 42 Numbers Here"], 1, random.Random(0)) is None


def test_reorder_shuffles_the_same_sentences():
    out, plants = plant(["reorder"], n=5)
    assert plants
    for p in plants:
        a, b = out[p.a]["output"], out[p.b]["output"]
        assert a != b
        assert sorted(q.sentences(a)) == sorted(q.sentences(b))
        assert len(q.sentences(a)) >= 3
        assert out[p.a]["instruction"] == out[p.b]["instruction"]


def test_sentence_added_inserts_one_sentence_from_another_record():
    out, plants = plant(["sentence-added"], n=5)
    assert plants
    for p in plants:
        a, b = q.sentences(out[p.a]["output"]), q.sentences(out[p.b]["output"])
        assert len(b) == len(a) + 1
        extra = [s for s in b if s not in a]
        assert len(extra) == 1
        donor = int(p.note.split()[-1])
        assert donor != p.source and extra[0] in RECORDS[donor]["output"]
        assert [s for s in b if s in a] == a          # the order of the others is kept


def test_template_changed_wraps_the_instruction_only():
    out, plants = plant(["template-changed"], n=5)
    assert plants
    for p in plants:
        a, b = out[p.a], out[p.b]
        assert b["output"] == a["output"] and b["input"] == a["input"]
        assert a["instruction"].strip() in b["instruction"]
        assert b["instruction"] != a["instruction"]
        assert any(b["instruction"] == w.format(a["instruction"].strip()) for w in q.WRAPPERS)


def test_template_lines_are_never_touched():
    preamble = "toolformer: enabled\ntoolformer access: search\nsearch(query)\n"
    records = [{**r, "instruction": preamble + r["instruction"]} for r in RECORDS]
    out, plants = plant(["edit-3", "template-changed", "paraphrase-yesno-short"], records, n=4)
    assert plants
    for p in plants:
        assert out[p.b]["instruction"].startswith(preamble)
    assert q.Ctx(records).split(0) == (preamble, RECORDS[0]["instruction"])


# --------------------------------------------------------------------------- contradictions


def test_paraphrase_keeps_numbers_and_capitalised_names():
    text = "What is the distance from Paris to Berlin in 2024, about 878 km?"
    for seed in range(30):
        out = q.paraphrase(text, random.Random(seed))
        assert out != text
        assert re.findall(r"\d+", out) == re.findall(r"\d+", text)
        for name in ("Paris", "Berlin"):
            assert name in out


def test_paraphrase_yesno_short_flips_the_answer():
    out, plants = plant(["paraphrase-yesno-short"], n=8)
    kinds = {p.note for p in plants}
    assert "natural" in kinds and "constructed" in kinds
    for p in plants:
        a, b = out[p.a], out[p.b]
        ya, yb = q.opens_yesno(a["output"]), q.opens_yesno(b["output"])
        assert {ya, yb} == {"yes", "no"}
        assert q.is_short(a["output"]) and q.is_short(b["output"])
        src = RECORDS[p.source]["instruction"]
        assert a["instruction"] == src and b["instruction"] != src
        assert re.findall(r"\d+", b["instruction"]) == re.findall(r"\d+", src)
        if p.note == "natural":
            assert p.a == p.source
        else:
            assert p.a >= len(RECORDS)


def test_paraphrase_number_short_changes_the_number():
    out, plants = plant(["paraphrase-number-short"], n=6)
    assert any(p.note == "natural" for p in plants)
    for p in plants:
        na = [m.group(0) for m in q.NUM_RE.finditer(out[p.a]["output"])]
        nb = [m.group(0) for m in q.NUM_RE.finditer(out[p.b]["output"])]
        assert na and nb and na != nb
        assert q.is_short(out[p.b]["output"])
        assert out[p.b]["instruction"] != RECORDS[p.source]["instruction"]


def test_flip_polarity():
    assert q.flip_polarity("Yes, you can freeze bread. It keeps.") == \
        "No, you cannot freeze bread. It keeps."
    assert q.flip_polarity("No, it is not safe to look. Use filters.") == \
        "Yes, it is safe to look. Use filters."
    assert q.flip_polarity("No, you can't go.") == "Yes, you can go."


def test_long_yesno_flips_the_opening():
    out, plants = plant(["long-yesno"], n=5)
    assert any(p.note.startswith("natural") for p in plants)
    for p in plants:
        a, b = out[p.a]["output"], out[p.b]["output"]
        assert q.words(a) >= q.LONG_WORDS
        assert {q.opens_yesno(a), q.opens_yesno(b)} == {"yes", "no"}
        assert b.split(None, 1)[1] != "" and a != b
        assert ("same prompt" in p.note) == (out[p.b]["instruction"] ==
                                            RECORDS[p.source]["instruction"])


def test_long_number_changes_one_number():
    out, plants = plant(["long-number"], n=5)
    assert plants
    for p in plants:
        a, b = out[p.a]["output"], out[p.b]["output"]
        assert q.words(a) >= q.LONG_WORDS
        ta, tb = a.split(), b.split()
        assert len(ta) == len(tb)
        diff = [(x, y) for x, y in zip(ta, tb) if x != y]
        assert len(diff) == 1 and re.search(r"\d", diff[0][0]) and re.search(r"\d", diff[0][1])


def test_long_entity_replaces_the_entity():
    out, plants = plant(["long-entity"], n=5)
    assert {RECORDS[p.source]["instruction"] for p in plants} >= {
        "Who painted the Mona Lisa?", "Which city hosted the first modern Olympic Games?"}
    for p in plants:
        old, new = p.note.split(",")[0].split(" -> ")
        a, b = out[p.a]["output"], out[p.b]["output"]
        assert old in a and old not in b and new in b
        assert q.ENTITY_KIND.get(old, "person") == q.ENTITY_KIND.get(new, "person") or \
            q.ENTITY_KIND.get(new) in ("person", "surname")


# --------------------------------------------------------------------------- hard negatives


def test_swapped_direction_really_swaps():
    out, plants = plant(["swapped-direction"], n=5)
    notes = {p.note for p in plants}
    assert {"miles <-> kilometers", "English <-> French", "Celsius <-> Fahrenheit"} <= notes
    for p in plants:
        a, b = out[p.a], out[p.b]
        x, y = p.note.split(" <-> ")
        assert b["instruction"] != a["instruction"]
        for field in ("instruction", "input", "output"):
            assert q.swap_words(b[field], x, y) == a[field]     # swapping back restores it
        ia, ib = a["instruction"], b["instruction"]
        assert ia.index(x) < ia.index(y) and ib.index(y) < ib.index(x)
    miles = next(p for p in plants if p.note == "miles <-> kilometers")
    assert out[miles.b]["instruction"] == "Convert 20 kilometers to miles."


def test_other_input_keeps_instruction_and_answer():
    out, plants = plant(["other-input"], n=5)
    assert plants
    for p in plants:
        a, b = out[p.a], out[p.b]
        assert a["input"] and b["input"] and a["input"] != b["input"]
        assert a["instruction"] == b["instruction"] and a["output"] == b["output"]
        donor = int(p.note.split()[-1])
        assert RECORDS[donor]["input"] == b["input"]


def _mask_numbers(text):
    return q.NUM_RE.sub("#", text)


def test_other_numbers_replaces_every_number_consistently():
    out, plants = plant(["other-numbers"], n=10)
    assert plants
    for p in plants:
        a, b = out[p.a], out[p.b]
        for field in ("instruction", "input", "output"):
            assert _mask_numbers(a[field]) == _mask_numbers(b[field])
            na = [m.group(0) for m in q.numbers(a[field])]
            nb = [m.group(0) for m in q.numbers(b[field])]
            assert len(na) == len(nb) and all(x != y for x, y in zip(na, nb))
        mapping = {}
        for field in ("instruction", "input", "output"):
            for x, y in zip(q.numbers(a[field]), q.numbers(b[field])):
                assert mapping.setdefault(x.group(0), y.group(0)) == y.group(0)


def test_other_numbers_keeps_list_markers():
    r = [rec("List 3 ways to save 10 dollars.", "1. Cook at home.\n2. Walk.\n3. Skip 2 coffees.")]
    out, plants = plant(["other-numbers"], r, n=1)
    b = out[plants[0].b]["output"]
    assert b.startswith("1. Cook") and "\n2. Walk" in b and "\n3. Skip" in b
    assert "Skip 2 coffees" not in b


def test_other_entities_replaces_names_by_the_same_kind():
    out, plants = plant(["other-entities"], n=5)
    assert plants
    for p in plants:
        pairs = [pair.split(" -> ") for pair in p.note.split(", ")]
        assert pairs
        a, b = out[p.a], out[p.b]
        for old, new in pairs:
            assert q.ENTITY_KIND[old] == q.ENTITY_KIND[new] and old != new
        for field in ("instruction", "input", "output"):
            back = b[field]
            for old, new in pairs:
                back = back.replace(new, old)
            assert back == a[field]
        assert b["instruction"] != a["instruction"]


def test_entities_skip_parts_of_longer_names():
    text = "He moved to New Mexico, then to Paris with Tesla Motors."
    found = [m.group(0) for m in q.entities(text)]
    assert found == ["Paris"]


def test_collisions_are_not_planted():
    # a swapped prompt that already exists in the file would be a duplicate prompt, not a
    # hard negative: it is not planted
    records = RECORDS + [rec("Convert 20 kilometers to miles.", "About 12.4 miles.")]
    out, plants = plant(["swapped-direction"], records, n=5)
    assert not any(p.note == "miles <-> kilometers" for p in plants)


# --------------------------------------------------------------------------- template pairs


PASSAGES = [f"Passage number {chr(65 + i % 26)}{i} talks about topic {i} in several plain "
            f"words that fill the line nicely for the test." for i in range(200)]


@pytest.mark.parametrize("variant", ["template", "position"])
def test_template_pairs(variant):
    records, plants = q.template_pairs(PASSAGES, variant, seed=3)
    assert len(records) == 400 and len(plants) == 200
    flips = [p for p in plants if p.kind == f"{variant}-flip"]
    same = [p for p in plants if p.kind == f"{variant}-consistent"]
    assert len(flips) == 20 and len(same) == 180
    for p in plants:
        a, b = records[p.a], records[p.b]
        assert a["output"] in q.LABELS and b["output"] in q.LABELS
        assert (a["output"] != b["output"]) == (p.kind.endswith("flip"))
        qa, text = a["instruction"].split("\n\n", 1)
        text_b, qb = b["instruction"].rsplit("\n\n", 1)
        assert text == text_b and text in PASSAGES
        assert (qa == qb) == (variant == "position")
    again = q.template_pairs(PASSAGES, variant, seed=3)
    assert again[0] == records


# --------------------------------------------------------------------------- scoring


def finding(code, *idx, cluster=False):
    loc = [{"record_index": i} for i in idx]
    f = {"code": code, "severity": "warning", "location": loc[-1], "related": loc[:-1]}
    if cluster:
        f = {"code": code, "severity": "warning", "location": loc[-1], "related": [],
             "data": {"keep": loc[0], "drop": loc[1:]}}
    return f


def test_score_counts_detections_wrong_pairs_and_baseline():
    P = q.Plant
    plants = [P("edit-1", 0, 10, 0, "duplicate"),
              P("paraphrase-yesno-short", 11, 12, 1, "contradiction", "constructed"),
              P("other-input", 2, 13, 2, "clean"),
              P("edit-2", 3, 14, 3, "duplicate")]
    baseline = [finding("D006", 3, 4, cluster=True), finding("D008", 5, 6)]
    findings = [
        finding("D005", 0, 10, cluster=True),          # edit-1 detected
        finding("D008", 11, 12),                        # contradiction detected
        finding("D003", 1, 11, cluster=True),           # inside the plant's group: neutral
        finding("D004", 2, 13, cluster=True),           # hard negative flagged: wrong
        finding("D006", 3, 4, 14, cluster=True),        # 14~4 explained by the baseline
        finding("D006", 14, 7, cluster=True),           # 14~7 is a wrong pair
        finding("D008", 5, 6),                          # in the baseline: not new
        finding("D008", 8, 9),                          # new contradiction among originals
        finding("D007", 0, 10),                         # a near-duplicate called a conflict
    ]
    sc = q.score(plants, findings, baseline, n_original=10)
    k = sc["kinds"]
    assert k["edit-1"]["detected"] == 1 and k["edit-1"]["by_rule"] == {"D005": 1, "D007": 1}
    assert k["edit-2"]["detected"] == 1
    assert k["paraphrase-yesno-short"]["detected"] == 1
    assert k["other-input"]["detected"] == 1 and k["other-input"]["share"] == 1.0
    wrong = {(w["rule"], tuple(w["pair"])) for w in sc["wrong_pairs"]}
    assert wrong == {("D004", (2, 13)), ("D006", (7, 14)), ("D008", (8, 9)), ("D007", (0, 10))}
    r = sc["rules"]
    assert r["D005"]["true"] == 1 and r["D005"]["wrong"] == 0 and r["D005"]["precision"] == 1.0
    assert r["D006"]["true"] == 1 and r["D006"]["wrong"] == 1
    assert r["D008"]["true"] == 1 and r["D008"]["wrong"] == 1
    assert r["D008"]["recall"] == 1.0 and r["D005"]["recall"] == 0.5
    fam = q.family_figures(sc, q.EDIT_KINDS, q.ALL_RULES, wrong_kinds=q.EDIT_KINDS)
    assert fam == {"planted": 2, "detected": 2, "wrong": 2}   # (0, 10) by D007 and (7, 14)


def test_main_skips_without_corpora(tmp_path, capsys):
    assert q.main(["--corpora", str(tmp_path / "missing")]) == 0
    assert "skipped" in capsys.readouterr().err
