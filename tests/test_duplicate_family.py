"""The duplicate family on records that look alike but ask for other things, and one finding per
pair: duplicate-prompt, near-duplicate and semantic-duplicate each flag their pattern and leave
the look-alikes alone, and a pair two of them would report is shown once, by the more
specific rule."""

from __future__ import annotations

from datalint.resources.minhash import union_find_clusters
from datalint.rules.duplicates._tasks import (called_tools, different_numbers,
                                              different_question, different_tools, literals,
                                              mentions, record_tools, shared_passage)
from datalint.resources.texts import normalize

from .test_semantic import diverse, lint

#: a long reference text several questions are asked about (a reading-comprehension set)
PASSAGE = ("The lighthouse on Vell Point was built in 1871 by the harbour board after two "
           "ships ran aground on the reef in one winter. Its lamp burned whale oil until 1902, "
           "then paraffin, and it was electrified in 1958. The keeper's cottage beside it is "
           "now a small museum that opens on weekends from April to October.")

#: a long list shared by two prompts that ask different things about it
COUNTRIES = ", ".join(
    "Argentina Australia Austria Belgium Brazil Canada Chile China Denmark Egypt Finland "
    "France Germany Greece Hungary India Ireland Italy Japan Kenya Mexico Morocco Netherlands "
    "Norway Peru Poland Portugal Russia Spain Sweden Switzerland Turkey Uruguay".split())


# -- the pieces ------------------------------------------------------------------------------------
def test_numbers_compare_across_spellings():
    values = [v for v, _, _ in mentions(
        "The twenty-first entry, two hundred and ten rows, 1,250 items, -3 degrees, the 4th "
        "day, 5 million people, at first one of them")]
    assert values == ["21th", "210", "1250", "-3", "4th", "5000000"]
    assert mentions("x - 2 and UTF-8") == (("2", False, "and"), ("8", False, ""))


def test_literals_are_addresses_paths_and_formulas_written_one_way():
    assert literals("See https://www.Example.com/A. or ~/docs/notes.txt") == \
        frozenset({"example.com/a", "~/docs/notes.txt"})
    assert literals("y = 3x^2 + 2x - 1 and 12 * 7") == frozenset({"3x^2+2x-1", "12*7"})
    assert literals("COVID-19, e-mail, ls -l, and/or, </div>") == frozenset()


def test_shared_passage_gives_the_questions_apart_from_the_passage():
    a = f"{PASSAGE} When was the lighthouse built?"
    b = f"{PASSAGE} Who runs the museum in the cottage?"
    da, db = shared_passage(a, b)
    assert "built" in da.split() and "museum" in db.split() and "whale" not in da.split()
    # a copy with words added, short prompts, or other names for one variable: no passage
    assert shared_passage(a, a + " Please answer briefly.") is None
    assert shared_passage("When was it built?", "Who built it?") is None
    code = "for x in range(10): total = total + x * x; print(total) " * 3
    assert shared_passage(code, code.replace("x", "i")) is None


def test_different_question_needs_other_words_and_other_answers():
    ask = normalize(f"{PASSAGE} When was the lighthouse built?")
    other = normalize(f"{PASSAGE} Who runs the museum in the cottage?")
    assert different_question(ask, other, "in 1871", "the harbour board")
    assert not different_question(ask, other, "in 1871", "in 1871")  # one answer: copies
    assert not different_question(ask, ask + " please", "in 1871", "built in 1871")
    # an answer with a sentence added holds the other one: a copy
    assert not different_question(ask, ask, "in 1871", "in 1871 by the harbour board after "
                                  "two ships ran aground on the reef")
    # one passage asked about twice, answered in other words: the passage makes them alike
    assert different_question(ask, ask, "in 1871", "the year the board built it")
    assert not different_question("when was it built", "when was it built", "in 1871",
                                  "the year the board built it")  # short: the answers decide


def test_cluster_labels_of_several_kinds_are_compared_apart():
    pairs = [(0, 1), (1, 2)]
    # "the given URL" names "URL", the other gives the address: one request
    kinds = [({"URL"}, set()), (set(), {"example.com"}), (set(), {"bbc.com"})]
    assert union_find_clusters(3, pairs, lambda k: kinds[k]) == [[0, 1]]


# -- duplicate-prompt ------------------------------------------------------------------------------
def test_one_instruction_over_other_contexts_is_not_a_repeated_prompt(tmp_path):
    data = diverse(12)
    ask = "Summarize the paragraph in one sentence."
    data[2] = {"instruction": ask, "context": PASSAGE,
               "response": "A lighthouse built in 1871 is now electric and has a museum."}
    data[7] = {"instruction": ask, "context": "Mount Kel is the highest peak of the range and "
               "is climbed by a thousand people each summer.", "response": "A popular peak."}
    # the look-alike: the same instruction over the same text, answered twice
    data[9] = {"instruction": ask, "context": PASSAGE,
               "response": "The Vell Point light has guided ships past the reef since 1871."}
    rep = lint(tmp_path, data, ["duplicate-prompt"])
    assert [(f.location.line, f.related[0].line) for f in rep.findings] == [(10, 3)]


def test_c_cpp_and_csharp_prompts_are_three_prompts(tmp_path):
    data = diverse(12)
    for k, lang in zip((1, 4, 8), ("C", "C++", "C#")):
        data[k] = {"instruction": f"Implement a stack in {lang}.",
                   "output": f"Here is a stack written in {lang}: ... ({k})"}
    assert lint(tmp_path, data, ["duplicate-prompt"]).findings == []
    data[10] = {"instruction": "Implement a stack in C++.", "output": "A C++ stack: ..."}
    rep = lint(tmp_path, data, ["duplicate-prompt"])
    assert [(f.location.line, f.related[0].line) for f in rep.findings] == [(11, 5)]


def test_the_same_thing_counted_differently_is_another_task():
    a = "Write HTML code to display a simple table of 3 rows and 3 columns."
    assert different_numbers(a, "Using HTML, create a table with two columns and three rows.")
    assert different_numbers("Give three of them", "Give two of them")
    # look-alikes: the same counts in other spellings, or one more count beside the same one
    assert not different_numbers(a, "Make an HTML table with three rows and three columns.")
    assert not different_numbers("Give 3 tips", "Give three tips")
    assert not different_numbers("List 5 ways to relax", "List 5 ways to relax, in 5 lines")


def _tool_prompt(tools: str, question: str) -> str:
    docs = {"news": "Top headlines of current news stories.\nnews(query)",
            "search": "A search engine for current events.\nsearch(query)"}
    return (f"toolformer: enabled\ntoolformer access: {tools}\n"
            + "\n".join(docs[t.strip()] for t in tools.split(",")) + f"\n{question}")


def test_the_tools_an_answer_calls_are_the_offered_ones_it_calls():
    asked = _tool_prompt("search, news", "What is the latest on the Mars rover?")
    assert called_tools(asked, "Here it is: search('Mars rover news').") == {"search"}
    # a call the prompt does not offer is code, not a tool choice; no call, no tools
    assert called_tools(asked, "Use print(x) and len(x).") == frozenset()
    assert called_tools("What does len( do?", "It counts: len(x).") == {"len"}
    assert called_tools(asked, "No tool needed.") == frozenset()
    assert different_tools(frozenset({"news"}), frozenset({"search"}))
    assert not different_tools(frozenset({"news"}), frozenset({"news", "search"}))
    assert not different_tools(frozenset(), frozenset({"search"}))


def test_a_record_offering_tools_is_taught_what_they_are(tmp_path):
    from .helpers import mapped_records, write_jsonl

    talk = [{"from": "human", "value": "Can you book me a flight to Oslo?"},
            {"from": "gpt", "value": "I can't book flights; I can only compute an area."}]
    area, mean, both, plain = mapped_records(write_jsonl(tmp_path / "t.jsonl", [
        {"conversations": talk, "tools": '[{"name": "calculate_area", "parameters": {}}]'},
        {"conversations": talk,
         "tools": [{"type": "function", "function": {"name": "calculate_average"}}]},
        {"conversations": talk,
         "tools": '[{"name": "calculate_area"}, {"name": "calculate_average"}]'},
        {"conversations": talk}]))
    names = [record_tools(r, "", "") for r in (area, mean, both, plain)]
    assert names == [{"calculate_area"}, {"calculate_average"},
                     {"calculate_area", "calculate_average"}, frozenset()]
    assert different_tools(names[0], names[1]) and not different_tools(names[0], names[2])
    assert not different_tools(names[0], names[3])


def test_one_question_put_to_different_tools_is_not_a_duplicate(tmp_path):
    data = diverse(20)
    q = "What is the current status of the Mars rover mission?"
    data[4] = {"instruction": _tool_prompt("news", q),
               "output": "Here is the current status: news('Mars rover mission status')."}
    data[12] = {"instruction": _tool_prompt("search", q),
                "output": "Here is the current status: search('Mars rover mission status')."}
    for rule in ("near-duplicate", "semantic-duplicate"):
        assert lint(tmp_path, data, [rule]).findings == [], rule
    # the look-alike: the same question to the same tool, in nearly the same words
    data[12] = {"instruction": _tool_prompt("news", q),
                "output": "Here is the current status: news('status of the Mars rover mission')."}
    rep = lint(tmp_path, data, ["near-duplicate"])
    assert [(f.location.line, f.related[0].line) for f in rep.findings] == [(13, 5)]


# -- near-duplicate --------------------------------------------------------------------------------
def test_questions_over_one_passage_are_not_near_duplicates(tmp_path):
    data = diverse(20)
    data[3] = {"instruction": f"Read the text and answer. {PASSAGE} Question: When was the "
               "lighthouse built?", "output": "It was built in 1871."}
    data[11] = {"instruction": f"Read the text and answer. {PASSAGE} Question: Who runs the "
                "museum now?", "output": "A local history society."}
    data[15] = {"instruction": f"Read the text and answer. {PASSAGE} Question: What happened "
                "in the second winter?", "output": "Nothing is said about it."}
    data[17] = {"instruction": f"Read the text and answer. {PASSAGE} Question: What happened "
                "in the first winter?", "output": "Two ships ran aground on the reef."}
    assert lint(tmp_path, data, ["near-duplicate"]).findings == []
    # the look-alike: the same question over the passage, answered in nearly the same words
    data[19] = {"instruction": f"Read the text and answer. {PASSAGE} Question: When was the "
                "lighthouse built?", "output": "The lighthouse was built in 1871."}
    rep = lint(tmp_path, data, ["near-duplicate"])
    assert [(f.location.line, f.related[0].line) for f in rep.findings] == [(20, 4)]


# -- semantic-duplicate ----------------------------------------------------------------------------
def _reviews(label_of) -> list[dict]:
    """A classification set: one instruction line (a template: most records share it) over
    different reviews, each answered with a one-word label."""
    ask = "Classify the sentiment of this review as positive or negative."
    reviews = ["Great screen and the battery lasts all day", "Fast delivery and a lovely box",
               "The blender is quiet and strong", "Comfortable shoes that fit well",
               "Loved the story and the actors", "Tasty coffee with a rich smell",
               "The lamp is bright and easy to set up", "Soft towels that dry fast"]
    return [{"instruction": ask, "input": r, "output": label_of(k)}
            for k, r in enumerate(reviews)]


def test_one_label_for_different_inputs_is_not_a_semantic_duplicate(tmp_path):
    data = diverse(24) + _reviews(lambda k: "positive")
    assert lint(tmp_path, data, ["semantic-duplicate"]).findings == []
    # the look-alike: one review written twice in another word order, with the same label
    data.append(dict(data[24], input="The battery lasts all day and a great screen"))
    rep = lint(tmp_path, data, ["semantic-duplicate"])
    assert [(f.location.line, f.related[0].line) for f in rep.findings] == [(33, 25)]


def test_questions_over_one_shared_list_are_not_duplicates(tmp_path):
    data = diverse(30)
    data[4] = {"instruction": f"Countries: {COUNTRIES}. Which of these have hosted the "
               "summer olympic games?", "output": f"Of {COUNTRIES}: the hosts are Australia, "
               "Brazil, China and Greece."}
    data[20] = {"instruction": f"Countries: {COUNTRIES}. Which of these have won a football "
                "world cup final?", "output": f"Of {COUNTRIES}: the winners are Argentina, Brazil, "
                "France and Uruguay."}
    rules = ["near-duplicate", "semantic-duplicate"]
    assert lint(tmp_path, data, rules).findings == []
    # the look-alike: the same question over the list, reworded with filler only, is one
    # finding of the family
    data[25] = dict(data[4], instruction=data[4]["instruction"].replace(
        "Which of these have hosted", "Which of these ones have ever hosted"))
    rep = lint(tmp_path, data, rules)
    assert [(f.location.line, f.related[0].line) for f in rep.findings] == [(26, 5)]


# -- one finding per pair --------------------------------------------------------------------------
def _one_prompt(n: int, ask: str, answers: dict[int, str]) -> list[dict]:
    """``n`` diverse records, those at the keys of ``answers`` asking ``ask``."""
    data = diverse(n)
    for k, text in answers.items():
        data[k] = {"instruction": ask, "output": text}
    return data


def test_a_pair_is_shown_once_by_the_most_specific_rule(tmp_path):
    first = "Magma rises through the crust, pressure builds, and lava and ash erupt."
    # one prompt, two near-copy answers: near-duplicate reports them and names the prompt
    data = _one_prompt(30, "Explain how a mountain volcano erupts with lava and ash",
                       {3: first, 9: first.replace("erupt.", "erupt at the top.")})
    # a paraphrase of them: semantic-duplicate shows it against the record near-duplicate keeps
    data[21] = {"instruction": "Explain how lava and ash erupt from a mountain volcano",
                "output": "Pressure builds as magma rises through the crust, then lava and ash "
                          "erupt."}
    rep = lint(tmp_path, data, ["duplicate-prompt", "near-duplicate", "semantic-duplicate"])
    got = sorted((f.name, f.data["keep"]["record_index"],
                  tuple(d["record_index"] for d in f.data["drop"])) for f in rep.findings)
    assert got == [("near-duplicate", 3, (9,)), ("semantic-duplicate", 3, (21,))]
    near = next(f for f in rep.findings if f.name == "near-duplicate")
    assert near.data["also"] == ["duplicate-prompt"] and "a prompt repeated" in near.message


def test_duplicate_prompt_counts_near_copies_as_one_answer(tmp_path):
    text = "Water warms up, rises as vapour, forms clouds and falls again as rain or snow."
    data = _one_prompt(20, "Describe the water cycle for a child", {
        2: text, 6: text.replace("again ", ""),
        14: "The sun heats the sea; clouds carry the water inland, where it rains into rivers."})
    rep = lint(tmp_path, data, ["duplicate-prompt", "semantic-duplicate"])
    assert [(f.name, f.data["cluster_size"], f.data["distinct_answers"]) for f in rep.findings
            if f.name == "duplicate-prompt"] == [("duplicate-prompt", 2, 2)]
    # the paraphrased answer to the same prompt is duplicate-prompt's, not a second finding
    assert [f.name for f in rep.findings] == ["duplicate-prompt"]
