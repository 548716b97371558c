"""Layouts seen in the wild: read as what they are, not reported as broken records.

Each layout has a small fixture in ``fixtures/layouts`` (invented text in the real layout):
LLaMA-Factory's preference, tool-call and KTO files, TRL's KTO records, Open-Assistant message
trees and self-instruct seed tasks.  Each test checks the turns a rule sees, that the valid
file gets no format or turn findings, and that a look-alike that really is broken still does.
"""

from __future__ import annotations

import json

import orjson
import pytest
from click.testing import CliRunner

from datalint.cli import main
from datalint.io.layouts import LayoutMapper
from datalint.io.record import ASSISTANT, REJECTED, USER, Record

from .conftest import FIXTURES
from .helpers import lint_records, mapped_records, run, write_jsonl

LAYOUTS = FIXTURES / "layouts"
STRUCTURE = ["format", "turns"]  # the F and R rules


records = mapped_records


def adapt(raw: dict) -> Record:
    rec = Record("x.jsonl", 1, 0, raw)
    LayoutMapper().adapt(rec)
    return rec


def names(report, code: str | None = None) -> list[tuple[int | None, str]]:
    return sorted((f.location.index, f.name) for f in report.findings
                  if code is None or f.code == code)


def structure_findings(path) -> list:
    return [(f.location.index, f.name, f.message) for f in run(path, select=STRUCTURE).findings]


# -- LLaMA-Factory preference: conversations + chosen/rejected objects --------------------------

def test_llamafactory_preference_reads_the_chosen_answer_as_the_assistant_turn():
    recs = records(LAYOUTS / "llamafactory_dpo.json")
    assert [r.layout for r in recs] == ["preference"] * 5
    first, with_system, multi, messages, strings = recs
    assert [(t.role, t.field) for t in first.turns] == [("user", "conversations[0].value"),
                                                        ("assistant", "chosen.value")]
    assert first.turns[-1].text.startswith('How about "Rye Society"')
    assert [(t.role, t.text, t.field, t.branch) for t in first.rejected] == [
        ("assistant", "Bread.", "rejected.value", REJECTED)]
    assert [t.role for t in with_system.turns] == ["system", "user", "assistant"]
    assert [t.role for t in multi.turns] == ["user", "assistant", "user", "assistant"]
    assert multi.turns[-1].text == "Car."
    assert [(t.role, t.field) for t in messages.turns] == [("user", "messages[0].content"),
                                                           ("assistant", "chosen.content")]
    assert [(t.role, t.text) for t in strings.rejected] == [("assistant",
                                                            "No, it is a vegetable.")]
    for r in recs:
        assert not r.issues, r.issues
        assert r.meta == {}  # every field was read
    # the prompt ends with the user: the chosen answer answers it, nothing is missing
    assert structure_findings(LAYOUTS / "llamafactory_dpo.json") == []


@pytest.mark.parametrize("raw, code, field", [
    ({"conversations": [{"from": "human", "value": "Hi"}],
      "rejected": {"from": "gpt", "value": "Go away."}}, "F005", "chosen"),
    ({"conversations": [{"from": "human", "value": "Hi"}], "chosen": {"from": "gpt"},
      "rejected": {"from": "gpt", "value": "Go away."}}, "F005", "chosen.value"),
    ({"conversations": [{"from": "human", "value": "Hi"}], "chosen": 7,
      "rejected": {"from": "gpt", "value": "Go away."}}, "F006", "chosen"),
    ({"conversations": "Hi", "chosen": {"from": "gpt", "value": "Hello!"},
      "rejected": {"from": "gpt", "value": "Go away."}}, "F006", "conversations"),
])
def test_a_broken_preference_record_still_gets_its_error(tmp_path, raw, code, field):
    rep = lint_records(tmp_path, [raw], select=STRUCTURE)
    assert [(f.code, f.location.field) for f in rep.findings] == [(code, field)]


def test_the_rejected_side_is_not_judged_for_quality_but_for_hygiene(tmp_path):
    # a refusal, a slot, a cut and a loop in the losing answer are why it lost
    loop = ("Press the button again. " * 12).strip()
    bad = [{"conversations": [{"from": "human", "value": f"Question {i}?"}],
            "chosen": {"from": "gpt", "value": f"A complete and helpful answer number {i}."},
            "rejected": {"from": "gpt", "value": v}}
           for i, v in enumerate(["As an AI language model, I cannot answer that.",
                                  "Hello {{user_name}}, welcome back!",
                                  "The answer to your question depends on the", loop])]
    quality = ["C002", "C007", "C009"]
    rep = lint_records(tmp_path, bad, select=quality)
    assert rep.findings == []
    # the same answers on the chosen side are the data's defects
    swapped = [{**r, "chosen": r["rejected"], "rejected": r["chosen"]} for r in bad]
    rep = lint_records(tmp_path, swapped, select=quality)
    assert {f.location.field for f in rep.findings} == {"chosen.value"}
    assert {f.name for f in rep.findings} == {"unfilled-placeholder", "truncated-response",
                                              "repeated-content"}
    # mojibake and leaked tokens are the file's defects whichever side holds them
    dirty = [{"conversations": [{"from": "human", "value": "Describe the café."}],
              "chosen": {"from": "gpt", "value": "A small café with a terrace."},
              "rejected": {"from": "gpt", "value": "A small cafÃ© with a terrace.<|im_end|>"}}]
    rep = lint_records(tmp_path, dirty, select=["C005", "C001"])
    assert {(f.name, f.location.field) for f in rep.findings} == {
        ("encoding-error", "rejected.value"), ("leaked-special-token", "rejected.value")}


def test_pairs_that_differ_only_in_the_rejected_answer_are_not_duplicates(tmp_path):
    base = {"conversations": [{"from": "human", "value": "Name a primary colour."}],
            "chosen": {"from": "gpt", "value": "Red is a primary colour."}}
    recs = [{**base, "rejected": {"from": "gpt", "value": "Green."}},
            {**base, "rejected": {"from": "gpt", "value": "Purple."}},
            {**base, "rejected": {"from": "gpt", "value": "purple"}},
            {**base, "rejected": {"from": "gpt", "value": "Green."}}]
    rep = lint_records(tmp_path, recs, select=["D001", "D002"])
    # the 4th copies the 1st; the 3rd is the 2nd but for case and punctuation
    assert sorted((f.name, tuple(sorted(m["record_index"] for m in
                                        [f.data["keep"], *f.data["drop"]])))
                  for f in rep.findings) == [("exact-duplicate", (0, 3)),
                                             ("normalized-duplicate", (1, 2))]


# -- LLaMA-Factory tool calls: function_call / observation turns, tools as a JSON string --------

def test_llamafactory_tool_calls_are_read_as_calls_and_results():
    calls, chat, other = records(LAYOUTS / "llamafactory_toolcall.json")
    assert calls.layout == "sharegpt"
    assert [(t.role, t.raw_role) for t in calls.turns] == [
        ("user", "human"), ("assistant", "function_call"), ("tool", "observation"),
        ("assistant", "gpt"), ("user", "human"), ("assistant", "gpt")]
    call = calls.turns[1]
    assert call.tool_calls == [{"type": "function", "function": {
        "name": "convert_currency", "arguments": {"amount": 50, "from": "EUR", "to": "JPY"}}}]
    assert call.text.startswith('{"name": "convert_currency"')  # the trained text is kept
    # what downstream rules need to know: the record offers tools, and which
    assert calls.tool_names() == ["convert_currency"]
    assert calls.tools[0]["parameters"]["required"] == ["amount", "from", "to"]
    assert chat.tools == [] and chat.tool_names() == []  # a tool set, but no tool offered
    assert "tools" not in calls.meta
    assert all(not r.issues for r in (calls, chat, other))
    assert structure_findings(LAYOUTS / "llamafactory_toolcall.json") == []
    # a record with no tools field offers none
    assert adapt({"conversations": [{"from": "human", "value": "Hi"}]}).tools is None


def test_openai_tool_definitions_and_function_call_messages():
    rec = adapt({"messages": [
        {"role": "user", "content": "Weather in Oslo?"},
        {"role": "function_call", "content": '{"name": "weather", "arguments": {"city": "Oslo"}}'},
        {"role": "tool", "content": "4 °C"},
        {"role": "assistant", "content": "4 °C."}],
        "tools": [{"type": "function", "function": {"name": "weather", "parameters": {}}}]})
    assert rec.tool_names() == ["weather"]
    assert rec.turns[1].role == ASSISTANT and rec.turns[1].tool_calls[0]["function"]["name"] \
        == "weather"


@pytest.mark.parametrize("raw, code", [
    # a result that no call precedes
    ({"conversations": [{"from": "human", "value": "Convert 5 euros."},
                        {"from": "observation", "value": '{"converted_amount": 5.4}'},
                        {"from": "gpt", "value": "That is 5.40 dollars."}], "tools": "[]"},
     "R007"),
    # a call whose result never comes although results come later
    ({"conversations": [{"from": "human", "value": "Convert 5 euros."},
                        {"from": "function_call", "value": '{"name": "convert", "arguments": {}}'},
                        {"from": "gpt", "value": "Converting."},
                        {"from": "human", "value": "And 6 euros?"},
                        {"from": "function_call", "value": '{"name": "convert", "arguments": {}}'},
                        {"from": "observation", "value": '{"converted_amount": 6.5}'},
                        {"from": "gpt", "value": "Done."}], "tools": "[]"},
     "R007"),
    # tools that do not parse
    ({"conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hello!"}],
      "tools": "[{\"name\": \"convert\""}, "F006"),
])
def test_a_broken_tool_call_record_still_gets_its_finding(tmp_path, raw, code):
    rep = lint_records(tmp_path, [raw], select=STRUCTURE)
    assert [f.code for f in rep.findings] == [code], [f.message for f in rep.findings]


def test_corpus_tool_call_file_has_no_structure_findings(corpora):
    assert structure_findings(corpora / "llamafactory_glaive_toolcall_en_demo.json") == []


def test_corpus_preference_file_has_no_structure_findings(corpora):
    assert structure_findings(corpora / "llamafactory_dpo_en_demo.json") == []


# -- Open-Assistant message trees ---------------------------------------------------------------

def test_open_assistant_trees_read_the_best_ranked_path():
    t1, t2, t3, t4 = records(LAYOUTS / "oasst_ready.trees.jsonl")
    assert {r.layout for r in (t1, t2, t3, t4)} == {"oasst-tree"}
    assert [(t.role, t.field) for t in t1.turns] == [
        ("user", "prompt.text"), ("assistant", "prompt.replies[0].text"),
        ("user", "prompt.replies[0].replies[0].text"),
        ("assistant", "prompt.replies[0].replies[0].replies[0].text")]
    # the other root-to-leaf path is an alternative conversation of the same record
    assert [[t.text for t in alt] for alt in t1.alternatives] == [
        ["What makes bread rise?", "Baking powder or yeast make gas that puffs it up."]]
    assert t1.meta["ranks"] == [None, 0, None, 0] and t1.meta["paths"] == 2
    assert t1.meta["lang"] == "en" and t1.meta["tree_state"] == "ready_for_export"
    assert t1.id == "tree-1"
    # rank 0 wins wherever it is in the list
    assert t2.turns[1].field == "prompt.replies[1].text" and t2.meta["ranks"] == [None, 0]
    # a path ending on an unanswered prompter message ends at its last answer; the full
    # path stays as an alternative
    assert [t.role for t in t4.turns] == [USER, ASSISTANT]
    assert [t.text for t in t4.alternatives[0]][-1] == "And the Sun?"
    assert all(not r.issues for r in (t1, t2, t3, t4))
    assert structure_findings(LAYOUTS / "oasst_ready.trees.jsonl") == []


def test_distinct_trees_are_not_duplicates_and_clean_keeps_them(tmp_path):
    lines = (LAYOUTS / "oasst_ready.trees.jsonl").read_bytes().splitlines()
    trees = [orjson.loads(x) for x in lines]
    # the same best path with another side branch is another tree; a copy is a duplicate
    side = json.loads(json.dumps(trees[1]))
    side["message_tree_id"] = "tree-5"
    side["prompt"]["replies"][0]["text"] = "Leaves of red and gold,\nfalling softly to the ground."
    copy = {**trees[2], "message_tree_id": "tree-6"}
    inp = write_jsonl(tmp_path / "trees.jsonl", trees + [side, copy])
    rep = run(inp, select=["D001", "D002"])
    assert [(f.name, f.data["keep"]["record_index"], [m["record_index"] for m in f.data["drop"]])
            for f in rep.findings] == [("exact-duplicate", 2, [5])]
    out = tmp_path / "clean.jsonl"
    r = CliRunner().invoke(main, ["clean", str(inp), "-o", str(out), "--isolated",
                                  "--select", "D001"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    kept = [orjson.loads(x)["message_tree_id"] for x in out.read_bytes().splitlines()]
    assert kept == ["tree-1", "tree-2", "tree-3", "tree-4", "tree-5"]


@pytest.mark.parametrize("change, code, field", [
    (lambda t: t["prompt"]["replies"][0].pop("text"), "F005", "prompt.replies[0].text"),
    (lambda t: t["prompt"]["replies"][0].update(replies="none"), "F006",
     "prompt.replies[0].replies"),
    (lambda t: t.update(prompt="What makes bread rise?"), "F006", "prompt"),
])
def test_a_broken_tree_still_gets_its_error(tmp_path, change, code, field):
    tree = orjson.loads((LAYOUTS / "oasst_ready.trees.jsonl").read_bytes().splitlines()[0])
    change(tree)
    rep = lint_records(tmp_path, [tree], select=["format"])
    assert [(f.code, f.location.field) for f in rep.findings] == [(code, field)]


# -- self-instruct seed tasks -------------------------------------------------------------------

def test_self_instruct_seed_tasks_read_their_instances():
    packing, sentiment, fact = records(LAYOUTS / "seed_tasks.jsonl")
    assert {r.layout for r in (packing, sentiment, fact)} == {"self-instruct"}
    user, answer = packing.turns
    assert [(s.field, s.text[:12]) for s in user.spans] == [
        ("instruction", "Make a short"), ("instances[0].input", "Two days of ")]
    assert (answer.role, answer.field) == ("assistant", "instances[0].output")
    # further instances are further examples of the instruction
    assert [[(t.role, t.text) for t in alt] for alt in sentiment.alternatives] == [
        [("user", "Is the sentiment of this review positive or negative?\n\n"
                  "Lovely staff and the best pancakes in town!"), ("assistant", "Positive")]]
    assert [t.text for t in fact.turns] == ["Tell me a surprising fact about the ocean.",
                                           "More than 80% of the ocean has never been mapped "
                                           "or explored."]
    assert sentiment.meta == {"id": "seed_task_1", "name": "sentiment_label",
                              "is_classification": True}
    assert structure_findings(LAYOUTS / "seed_tasks.jsonl") == []


@pytest.mark.parametrize("instances, code, field", [
    ([{"input": "x"}], "F005", "instances[0].output"),
    ([], "F005", "instances"),
    ([{"input": "", "output": "ok"}, "no"], "F006", "instances[1]"),
    ("ok", "F006", "instances"),
])
def test_a_broken_seed_task_still_gets_its_error(tmp_path, instances, code, field):
    raw = {"id": "seed_task_9", "name": "t", "instruction": "Say ok.", "instances": instances,
           "is_classification": False}
    rep = lint_records(tmp_path, [raw], select=["format"])
    assert [(f.code, f.location.field) for f in rep.findings] == [(code, field)]


# -- KTO: answers labelled false ----------------------------------------------------------------

@pytest.mark.parametrize("name", ["llamafactory_kto.json", "trl_kto.jsonl"])
def test_kto_answers_labelled_false_are_rejected_answers(name):
    recs = records(LAYOUTS / name)
    for r in recs:
        label = r.meta["label"]
        assert isinstance(label, bool)
        if label:
            assert r.turns[-1].role == ASSISTANT and not r.rejected
        else:
            assert [t.role for t in r.turns] == [USER]
            assert [(t.role, t.branch) for t in r.rejected] == [(ASSISTANT, REJECTED)]
    # boilerplate-response is left out: whether it reads the rejected side is that rule's
    # own choice, tested with its fixture
    rep = run(LAYOUTS / name, ignore=["C010"])
    # structure is whole, and the bad answers are bad on purpose: not the data's defects,
    # and a good and a bad answer to one prompt are no duplicate prompt
    assert [f.code for f in rep.findings if f.code != "S001"] == []


def test_kto_tag_and_the_same_answers_labelled_true(tmp_path):
    answers = ["As an AI language model, I cannot say.", "Hello {{user_name}}, welcome back!",
               "The answer to your question depends on the"]
    recs = [{"conversations": [{"from": "human", "value": f"Question {i}?"},
                               {"from": "gpt", "value": answer}], "kto_tag": tag}
            for tag in (False, True) for i, answer in enumerate(answers)]
    rep = lint_records(tmp_path, recs, select=["C002", "C007", "R004", "R005"])
    assert names(rep) == [(4, "unfilled-placeholder"), (5, "truncated-response")]
    # a label that is not a boolean is no KTO label: the answer is an ordinary answer
    assert adapt({**recs[0], "kto_tag": "false"}).rejected is None


def test_a_kto_record_with_no_answer_is_still_reported(tmp_path):
    recs = [{"messages": [{"role": "user", "content": "Hi"}], "label": False},
            {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant"}],
             "label": False}]
    rep = lint_records(tmp_path, recs, select=STRUCTURE)
    assert names(rep) == [(0, "no-assistant-turn"), (1, "missing-field")]


# -- other layouts read -------------------------------------------------------------------------

@pytest.mark.parametrize("raw, layout, turns", [
    ({"instruction": "Summarise the text.", "context": "Cats sleep a lot.",
      "response": "Cats sleep much.", "category": "summarization"},
     "alpaca", [("user", "Summarise the text.\n\nCats sleep a lot."),
                ("assistant", "Cats sleep much.")]),
    ({"inputs": "Translate to German: good night", "targets": "Gute Nacht"},
     "prompt-completion", [("user", "Translate to German: good night"),
                           ("assistant", "Gute Nacht")]),
    ({"conversation_id": "c1", "conversation": [{"role": "user", "content": "Hi"},
                                                {"role": "assistant", "content": "Hello!"}],
      "language": "English"}, "chat", [("user", "Hi"), ("assistant", "Hello!")]),
])
def test_more_layouts_of_the_wild(tmp_path, raw, layout, turns):
    rec = adapt(raw)
    assert rec.layout == layout and not rec.issues
    assert [(t.role, t.text) for t in rec.turns] == turns
    assert lint_records(tmp_path, [raw], select=STRUCTURE).findings == []


def test_a_kto_label_under_another_name_is_mapped_in_config(tmp_path):
    p = write_jsonl(tmp_path / "d.jsonl", [
        {"prompt": "What is two plus two?", "completion": "The sum is five, as the table on the",
         "desirable": False}])
    rep = run(p, select=["C007", "R004"], fields={"label": "desirable"})
    assert rep.findings == []
    assert [f.name for f in run(p, select=["C007", "R004"]).findings] == ["truncated-response"]


# -- layouts not read: one finding per file -----------------------------------------------------

def test_a_file_of_one_unknown_structure_gets_one_finding(tmp_path):
    recs = [{"question_text": f"Q{i}?", "reply_text": f"A{i}."} for i in range(60)]
    p = write_jsonl(tmp_path / "qa.jsonl", recs)
    rep = run(p, select=STRUCTURE)
    (f,) = rep.findings
    assert f.name == "unknown-format" and f.location.index is None
    assert "60 records" in f.message and "question_text, reply_text" in f.message
    assert len(f.related) == 5
    # clean cannot judge a file it does not read: it keeps every record
    out = tmp_path / "out.jsonl"
    r = CliRunner().invoke(main, ["clean", str(p), "-o", str(out), "--isolated"],
                           catch_exceptions=False)
    assert r.exit_code == 0 and out.read_bytes() == p.read_bytes()


def test_odd_records_in_a_file_that_is_read_are_reported_one_by_one(tmp_path):
    good = {"messages": [{"role": "user", "content": "Hi"},
                         {"role": "assistant", "content": "Hello!"}]}
    recs = [good, {"question_text": "Q?"}, good, {"question_text": "R?"}]
    rep = run(write_jsonl(tmp_path / "d.jsonl", recs), select=["F002"])
    assert names(rep) == [(1, "unknown-format"), (3, "unknown-format")]


@pytest.mark.parametrize("raw, says", [
    ({"message_id": "m1", "parent_id": None, "user_id": "u", "text": "Hello?",
      "role": "prompter", "lang": "en"}, "looks like Open-Assistant messages"),
    ({"question_id": 1, "category": "writing", "turns": ["Write a poem.", "Shorter."]},
     "looks like a prompt set"),
])
def test_a_recognised_layout_that_is_not_read_says_what_it_is(tmp_path, raw, says):
    rep = run(write_jsonl(tmp_path / "d.jsonl", [raw] * 30), select=STRUCTURE)
    (f,) = rep.findings
    assert f.name == "unknown-format" and says in f.message and "30 records" in f.message


def test_corpus_prompt_set_gets_one_unknown_format_finding(corpora):
    rep = run(corpora / "mt_bench_questions.jsonl", select=STRUCTURE)
    assert [(f.name, f.location.index) for f in rep.findings] == [("unknown-format", None)]


def test_boolean_chosen_and_rejected_beside_a_chat_are_flags(tmp_path):
    chat = [{"role": "user", "content": "How do I boil an egg well?"},
            {"role": "assistant", "content": "Simmer it for nine minutes, then cool it."}]
    flagged, pair = mapped_records(write_jsonl(tmp_path / "f.jsonl", [
        {"messages": chat, "rejected": False, "chosen": True},
        {"prompt": "Hi", "chosen": 5, "rejected": "Hello."}]))
    assert flagged.layout == "chat" and [t.role for t in flagged.turns] == [USER, ASSISTANT]
    assert not flagged.issues
    # the look-alike: a preference pair whose answer has the wrong type keeps its error
    assert pair.layout == "preference"
    from datalint.rules.format.wrong_type import WRONG_TYPE
    assert [(i.code, i.field) for i in pair.issues] == [(WRONG_TYPE, "chosen")]
