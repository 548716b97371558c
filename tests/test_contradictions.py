"""What answers assert, one notion of the same prompt, hard negatives and the scripts a model
covers: each cue on records it must flag and on look-alikes it must leave alone."""

from __future__ import annotations

import pytest

from datalint.resources.coverage import text_script, vocabulary_scripts
from datalint.resources.texts import is_short_answer, normalize, word_count
from datalint.rules.duplicates._assertions import conflict, first_sentence, polarity
from datalint.rules.duplicates._prompts import differing_lines, line_key
from datalint.rules.duplicates._tasks import different_input, different_task, names

from .test_semantic import diverse, lint

SIZE_Q = "Is there a file size limit?"


# -- what an answer asserts --------------------------------------------------------------------
@pytest.mark.parametrize("pa, a, pb, b, kind", [
    (SIZE_Q, "Great question! Single files can be up to 50 GB with the desktop app.",
     SIZE_Q, "Great question! No, there is no file size limit.", "yes-no"),
    ("Can I pay by bank transfer?", "Yes, bank transfers are accepted on every plan.",
     "Is paying by bank transfer possible?", "No, we only accept cards and PayPal for now.",
     "yes-no"),
    ("How long is the refund window?", "You can get a refund within 30 days of purchase.",
     "How long do I have to ask for a refund?", "You can get a refund within 14 days of purchase.",
     "number"),
    ("Is the API rate limited?", "The API is rate limited to protect the servers.",
     "Is the API rate limited?", "The API is not rate limited to protect the servers.",
     "negation"),
    ("Who wrote Hamlet?", "Hamlet was written by William Shakespeare around 1600.",
     "Who is the author of Hamlet?", "Christopher Marlowe wrote Hamlet in his youth.", "entity"),
    ("When did the Second World War end?", "The war ended in 1945 with the surrender of Japan.",
     "When did World War II end?", "It ended in 1944, after the liberation of Paris.", "number"),
    ("Sentiment of the review?", "positive", "Sentiment of the review?", "negative",
     "short-answer"),
    ("Is it raining?", "Yes", "Is it raining?", "No, the sky is clear all day today.", "yes-no"),
])
def test_conflicts_are_found(pa, a, pb, b, kind):
    found = conflict(pa, a, pb, b)
    assert found is not None and found.kind == kind


@pytest.mark.parametrize("pa, a, pb, b", [
    # yes/no label wording chosen by the template
    ("Is the claim true or false?", "False", "Is the claim right? Yes or no.", "No"),
    ("Is the claim true or false?", "True.", "Yes or no: is the claim right?", "yes"),
    # two correct explanations worded differently
    ("How do I reset my password?", "Open Settings, choose Security and click Reset password.",
     "How can I reset my password?", "Go to Security in your settings and press Reset password."),
    # a longer and a shorter answer that agree
    ("Can I cancel anytime?", "Yes.", "Can I cancel at any time?",
     "Yes, you can cancel from the settings page whenever you like."),
    ("Can I cancel anytime?", "No problem, you can cancel from the settings page at any time.",
     "Can I cancel at any time?", "Yes, cancel from the settings page."),
    # open-ended requests: answers are meant to differ
    ("Write a poem about the sea.", "No wave is ever the same; the tide keeps 3 promises.",
     "Write a poem about the sea.", "Yes, the sea sings; 5 gulls answer it."),
    # two refusals
    ("Can you order a pizza for me?",
     "I'm sorry, but as an AI, I don't have the capability to order a pizza.",
     "Can you please order a pizza for me?", "I'm sorry, but I'm unable to order a pizza."),
    # hedged answers and different but compatible names
    ("Is coffee bad for you?", "It depends on how much you drink.", "Is coffee bad for you?",
     "No, moderate amounts are fine for most adults."),
    ("Who wrote Hamlet?", "It was written by Shakespeare, the English playwright.",
     "Who wrote Hamlet?", "William Shakespeare wrote it around 1600."),
    # "Right-click" and "True love" open with no answer at all
    ("Is renaming possible?", "Right-click the file and choose Rename.",
     "Can I rename a file?", "Yes, use the Rename button."),
    # Chinese sentences are not short answers and carry no English cues
    ("他想来吗？", "他不想来。", "他想来吗？", "他站着不动。"),
    # read only from explicit cues: an answer without yes/no, a corrective "not X", a unit
    # conversion, an approximation, a name the other answer mentions too
    ("Can you tell me a joke?", "Sure! Why did the chicken cross the road? To get across.",
     "Can you tell me a joke?", "Why don't scientists trust atoms? They make up everything."),
    ("Is it safe to eat raw eggs?", "No, eating raw eggs carries a risk of salmonella.",
     "Is it safe to eat raw eggs?", "Eating raw eggs carries a risk of salmonella."),
    ("Does this code have a bug?", "No, the function is correct.", "Does this code have a bug?",
     "The function returns x plus one, as intended."),
    ("Can I return an item?", "Yes, within 30 days of delivery.", "Can I return an item?",
     "You can return items within 30 days, no questions asked."),
    ("Is chocolate safe for dogs?", "Absolutely not. Chocolate is toxic to dogs.",
     "Is chocolate safe for dogs?", "No. Chocolate contains theobromine, toxic to dogs."),
    ("What is the capital of Australia?", "The capital of Australia is Canberra, not Sydney.",
     "What is the capital of Australia?", "Canberra is the capital of Australia."),
    ("What is the boiling point of water?", "Water boils at 100 degrees Celsius at sea level.",
     "What is the boiling point of water?", "At sea level water boils at 212 degrees Fahrenheit."),
    ("How long should adults sleep?", "Adults need about 8 hours of sleep a night.",
     "How long should adults sleep?", "Most adults need 7-9 hours of sleep each night."),
    ("Which is the largest planet?", "Jupiter is the largest planet in our Solar System.",
     "Which is the largest planet?", "The largest planet is Jupiter, a gas giant."),
    ("Who discovered penicillin?", "In 1928, Alexander Fleming discovered penicillin.",
     "Who discovered penicillin?", "Fleming discovered it at St Mary's Hospital in London."),
    ("Write a story about a letter.", "Dear John, the harbour was quiet that morning and the "
     "boats had not come back yet from the long night at sea.", "Write a story about a letter.",
     "Dear Mary, the harbour was quiet that morning and the boats had not come back yet from "
     "the long night at sea."),
])
def test_look_alikes_are_not_conflicts(pa, a, pb, b):
    assert conflict(pa, a, pb, b) is None


def test_first_sentence_skips_courtesy_openers_only():
    assert first_sentence("Great question! No, there is none.\nMore.") == "No, there is none."
    assert first_sentence("So the answer is 5. Then 6.") == "So the answer is 5."
    assert polarity("Of course! Go to settings.", True) == ("yes", True)
    assert polarity("True love is rare.", False) == (None, False)


# -- words in any script ---------------------------------------------------------------------
def test_words_are_counted_without_spaces():
    assert word_count("他不想来。") == 4
    assert word_count("The cat sat.") == 3
    assert word_count("{{author}} 制作了我") == 5
    assert not is_short_answer("{{author}} 制作了我，我是一个人工智能助手。")
    assert is_short_answer("北京") and is_short_answer("Yes.")


def test_normalisation_keeps_language_names_apart():
    assert len({normalize("Implement it in C"), normalize("Implement it in C++"),
                normalize("Implement it in C#")}) == 3
    assert normalize("Hello,  World!") == "hello world"
    assert normalize("a + b") == "a b"
    assert normalize("สวัสดีครับ") == "สวัสดีครับ"  # vowel signs are part of the word


# -- the scripts a model covers ----------------------------------------------------------------
def test_vocabulary_scripts_need_pieces_or_many_characters():
    english = ["the", "##ing", "of"] * 100 + [f"w{i}ord" for i in range(300)] + list("的是不了")
    assert vocabulary_scripts(english) == frozenset({"Latin"})
    multilingual = english + [chr(0x4E00 + i) + chr(0x4E01 + i) for i in range(300)]
    assert "Han" in vocabulary_scripts(multilingual)


def test_text_script_names_what_the_model_does_not_hold():
    held = frozenset({"Latin"})
    assert text_script("谁制作了你？", held) == "Han"
    assert text_script("Who made you? 你", held) is None
    assert text_script("Привет, как дела?", held) == "Cyrillic"
    assert text_script("{{author}} 制作了我，我是一个人工智能助手", held) == "Han"
    assert text_script("谁制作了你？", frozenset({"Latin", "Han"})) is None


# -- the same prompt, and prompts that ask for other things --------------------------------------
def test_line_key_and_differing_lines():
    a = "What is the topic of the text?\nThe match ended 2-1 after extra time."
    b = "The match ended 2-1 after extra time.\nWhat is the topic of the text?"
    assert line_key(a) == line_key(b)
    c = "The match ended 2-1 after extra time.\nWhich topic is the text above about?"
    assert differing_lines(a, c) == ("What is the topic of the text?",
                                     "Which topic is the text above about?")


@pytest.mark.parametrize("a, b, why", [
    ("Convert 10 degrees Fahrenheit to Celsius.", "Convert 10 degrees Celsius to Fahrenheit.",
     "swapped direction"),
    ("Rank by population: China, India, Brazil", "Rank by GDP per capita: Qatar, Norway, Chile",
     "different names"),
    ("What happened in the second season?", "What happened in the third season?",
     "different numbers"),
    ("Sort 8, 3, 5, 1.", "Sort 9, 2, 7, 4.", "different numbers"),
    # numbers in words, ordinals and days count like digits
    ("Who won the first season of the show?", "Who won the second season of the show?",
     "different numbers"),
    ("What is the weather like in Oslo today?", "What is the weather forecast for Oslo tomorrow?",
     "different numbers"),
    ("Create an HTML table with three columns and two rows.",
     "Using HTML, create a table with two columns and three rows.", "different numbers"),
    ("Compute the dot product.\nv = [1, 2, 3]\nw = [4, 5, 6]",
     "Compute the dot product.\nv = [3, -2, 4]\nw = [-6, 5, 1]", "different numbers"),
    # another address, path or formula is another input
    ("List the files in /home/user/Documents.", "List the files in /home/user.",
     "different input"),
    ("Get the README of https://github.com/acme/tool.", "Get the README of https://github.com/beta/app.",
     "different input"),
    ("Find the derivative of y = x^3 + x^2 + x + 1.", "Find the derivative of x^3 - x^2 + 1.",
     "different input"),
    # the two terms swapped with words between them
    ("Write a method to convert Celsius to Fahrenheit.",
     "Create a function to convert a Fahrenheit temperature to Celsius.", "swapped direction"),
])
def test_hard_negatives(a, b, why):
    assert different_task(a, b) == why


@pytest.mark.parametrize("a, b", [
    ("Explain the difference between HTML and CSS.", "What are the differences between CSS and HTML?"),
    ("Tell me about Apple Inc.", "Give me information about the Apple Inc. company"),
    ("Convert this sentence into third person", "Change this from first person to third person"),
    ("Name the basic geometric shapes", "Name five geometric shapes"),
    # one number in two spellings, and words that count nothing
    ("Name 3 primary colours.", "Name three primary colours."),
    ("Find the 10th Fibonacci number.", "What is the tenth Fibonacci number?"),
    ("Convert 5 million dollars to euros.", "Convert five million dollars to euros."),
    ("List twenty-five US states.", "List 25 states of the US."),
    ("Give me one of your examples.", "Give me an example."),
    ("At first, read the text. Then summarise it.", "Read the text and summarise it."),
    ("What is the weather like in Oslo today?", "How is the weather in Oslo right now?"),
    ("Create a table with three columns and two rows.", "Create a table with 3 columns and 2 rows."),
    # one address or formula written two ways, or given by one prompt only
    ("Get the text of https://www.example.com/Page.", "Get the text from 'example.com/page'"),
    ("Retrieve the text from the page at the given URL.", "Retrieve the text from https://example.com."),
    ("Find the derivative of f(x) = 3x^2 + 2x.", "What is the derivative of y = 3x^2+2x?"),
    ("Show COVID-19 news and run ls -l.", "Run ls -l and show COVID-19 news."),
    # a paraphrase that says the same direction twice
    ("Write a method to convert Celsius to Fahrenheit.",
     "Design a function to convert a temperature in Celsius to Fahrenheit."),
])
def test_paraphrases_are_not_hard_negatives(a, b):
    assert different_task(a, b) is None


def test_names_skip_sentence_starts_and_common_words():
    assert names("Rank these: China, India. The USA is big. Output one line.") == \
        frozenset({"China", "India", "USA"})


def test_different_input_needs_a_shared_line_and_other_content():
    instr = "Classify the sentiment of the review."
    assert different_input([instr, "The battery died after a day."],
                           [instr, "Great screen and fast delivery."])
    assert not different_input([instr, "The battery died after a day."],
                               [instr, "The battery died after a day!", "Extra line."])
    assert not different_input(["Say hi."], ["Say hello."])


# -- the rules end to end (a bag-of-words encoder stands in for the models) ------------------------
def test_the_same_lines_in_another_order_are_one_prompt(tmp_path):
    text = "The striker scored twice as the home side won the derby on Sunday evening."
    data = diverse(20)
    data[2] = {"instruction": "What is the topic of the following text? Answer in one word.",
               "input": text, "output": "Sports"}
    data[12] = {"instruction": text + "\nWhat is the topic of the following text? Answer in "
                "one word.", "output": "Business"}
    rep = lint(tmp_path, data, ["conflicting-answers", "duplicate-prompt"])
    assert [(f.name, f.location.line, f.data["match"]) for f in rep.findings] == \
        [("conflicting-answers", 13, "reordered")]
    assert "the same lines in another order" in rep.findings[0].message


def test_long_answers_to_the_same_prompt_conflict(tmp_path):
    data = diverse(10)
    data[1] = {"instruction": SIZE_Q, "output": "Great question! Single files can be up to 50 GB "
               "when uploaded with the desktop app.\n\nHappy to help!"}
    data[6] = {"instruction": SIZE_Q, "output": "Great question! No, there is no file size "
               "limit.\n\nHappy to help!"}
    data[3] = {"instruction": "Write a haiku about rain.", "output": "Soft rain on tin roofs, "
               "the garden drinks slowly, frogs begin to sing."}
    data[8] = {"instruction": "Write a haiku about rain.", "output": "Grey sky lets go now, "
               "puddles hold the falling light, no one walks outside."}
    rep = lint(tmp_path, data, ["conflicting-answers", "duplicate-prompt"])
    got = [(f.name, f.severity, f.location.line) for f in rep.findings]
    assert got == [("conflicting-answers", "error", 7), ("duplicate-prompt", "info", 9)]
    assert rep.findings[0].data["kind"] == "yes-no"


def _template_set(flip: set[int], n: int = 8) -> list[dict]:
    """Passages written twice, under two wordings of one question, labelled by topic."""
    labels = ["Sports", "Business", "Science", "Politics"]
    words = diverse(n, seed=3)
    out = []
    for k in range(n):
        text = words[k]["output"]
        label = labels[k % 4]
        out.append({"instruction": "What is the topic of the following text? Answer with one word.",
                    "input": text, "output": label})
        other = labels[(k + 1) % 4] if k in flip else label
        out.append({"instruction": text + "\nWhich topic is the text above about? Reply with one word.",
                    "output": other})
    return out


def test_a_flipped_label_under_a_second_template_is_a_contradiction(tmp_path):
    rep = lint(tmp_path, _template_set({2, 5}), ["contradiction", "conflicting-answers"])
    got = sorted((f.location.line, f.related[0].line) for f in rep.findings)
    assert got == [(6, 5), (12, 11)]
    assert all(f.data["match"] == "template" for f in rep.findings)


def test_two_templates_asking_different_questions_do_not_conflict(tmp_path):
    data = _template_set(set())
    for r in data[1::2]:  # the second template now asks for the sentiment
        r["instruction"] = r["instruction"].replace(
            "Which topic is the text above about? Reply with one word.",
            "Is the text above positive or negative? Reply with one word.")
        r["output"] = "positive"
    rep = lint(tmp_path, data, ["contradiction", "conflicting-answers"])
    assert rep.findings == []


def test_paraphrased_prompt_with_contradicting_long_answer(tmp_path):
    data = diverse(30)
    data[4] = {"instruction": "Is there a limit on the file size of an upload",
               "output": "Yes, single files can be up to 50 GB when uploaded with the app."}
    data[19] = {"instruction": "Is there a limit on the file size of uploads",
                "output": "No, there is no limit on the size of a file you upload."}
    rep = lint(tmp_path, data, ["contradiction"])
    assert [(f.location.line, f.data["kind"]) for f in rep.findings] == [(20, "yes-no")]


def test_swapped_direction_is_neither_duplicate_nor_contradiction(tmp_path):
    data = diverse(30)
    data[4] = {"instruction": "Write a function that converts a temperature from Fahrenheit to "
               "Celsius", "output": "def convert(t): return (t - 32) * 5 / 9"}
    data[19] = {"instruction": "Write a function that converts a temperature from Celsius to "
                "Fahrenheit", "output": "def convert(t): return t * 9 / 5 + 32"}
    data[7] = {"instruction": "Is Fahrenheit colder than Celsius at ten degrees",
               "output": "Yes"}
    data[22] = {"instruction": "Is Celsius colder than Fahrenheit at ten degrees", "output": "No"}
    rep = lint(tmp_path, data, ["semantic-duplicate", "contradiction", "near-duplicate"])
    assert rep.findings == []


def test_one_instruction_over_other_inputs_is_not_a_semantic_duplicate(tmp_path):
    data = diverse(30)
    ask = "Classify the sentiment of the following product review as positive or negative."
    data[3] = {"instruction": ask, "input": "Loved it, works great", "output": "positive"}
    data[13] = {"instruction": ask, "input": "Fast delivery, nice box", "output": "positive"}
    rep = lint(tmp_path, data, ["semantic-duplicate"])
    assert rep.findings == []


def _lint_latin_model(tmp_path, data, select, name="data.jsonl"):
    """Lint with an encoder that sees every CJK text as one vector (as an English model
    does) and a model that holds the Latin script only."""
    import dataclasses

    from datalint.config import Config, merge_cli
    from datalint.pipeline.engine import Engine

    from .helpers import write_jsonl
    from .test_semantic import bag_of_words

    path = write_jsonl(tmp_path / name, data)
    eng = Engine(merge_cli(Config(), select=select))
    base = eng._resource_settings
    enc = lambda ts: bag_of_words(["cjk" if any(ord(c) > 0x3000 for c in t) else t  # noqa: E731
                                   for t in ts])
    eng._resource_settings = lambda rules, report: dataclasses.replace(
        base(rules, report), encoders={"fast": enc, "full": enc}, scripts=frozenset({"Latin"}))
    return eng.run([str(path)])


def test_texts_the_model_does_not_cover_are_left_out_and_counted(tmp_path):
    data = diverse(20) + [{"instruction": "谁制作了你？", "output": "{{author}} 制作了我。"},
                          {"instruction": "谁训练了你？", "output": "{{author}} 训练了我。"},
                          {"instruction": "你是谁？", "output": "我是一个助手。"}]
    # CJK texts all come out as one vector: without coverage they would be "identical"
    rep = _lint_latin_model(tmp_path, data, ["contradiction", "semantic-duplicate"], "zh.jsonl")
    assert rep.findings == []
    assert any(n.startswith("3 prompt texts were left out of the semantic checks (3 in Han "
                            "script)") for n in rep.notes)


# -- a changed fact, filler words, tool results, clusters ---------------------------------------
from datalint.resources.minhash import edit_similarity, union_find_clusters  # noqa: E402
from datalint.rules.duplicates._assertions import substituted  # noqa: E402
from datalint.rules.duplicates._prompts import content_key  # noqa: E402
from datalint.resources.texts import normalize as _n  # noqa: E402

VOLCANOES = ("The three most active volcanoes in the world are Mount Etna in {}, Kilauea in "
             "Hawaii and Mount Merapi in Indonesia.")


@pytest.mark.parametrize("a, b, kind", [
    (VOLCANOES.format("Italy"), VOLCANOES.format("Colombia"), "entity"),
    ("George Orwell (1903-1950) was an English novelist, essayist and critic of his time.",
     "George Orwell (1903-1942) was an English novelist, essayist and critic of his time.",
     "number"),
    ("Mix 2 cups of flour with one egg and a pinch of salt, then bake it for twenty minutes.",
     "Mix 3 cups of flour with one egg and a pinch of salt, then bake it for twenty minutes.",
     "number"),
])
def test_a_changed_fact_in_an_otherwise_identical_answer(a, b, kind):
    found = substituted(a, b)
    assert found is not None and found.kind == kind


@pytest.mark.parametrize("a, b", [
    # formatting, reordering and code are not a changed fact
    ("There are python('60*60*24') seconds in a day, which is a lot of seconds really.",
     "There are python('24*60*60') seconds in a day, which is a lot of seconds really."),
    ("The current time in Tokyo, Japan is shown below for you right now, as asked here.",
     "The current time in Tokyo is shown below for you right now, as asked here today."),
    ("def fib(n):\n    if n == 0:\n        return 0\n    return fib(n - 1) + fib(n - 2)\n",
     "def fib(n):\n    if n == 1:\n        return 0\n    return fib(n - 1) + fib(n - 2)\n"),
    ("The solutions of the equation x^2 - 4x + 4 = 0 are found by factoring it fully here.",
     "The solutions of the equation x^2 - 2x + 4 = 0 are found by factoring it fully here."),
    ("Here's the text content from the Wikipedia homepage, fetched for you just now.",
     "To get all the text content from the Wikipedia homepage, fetched for you just now."),
    ("The winner of the Oscar for Best Picture in that year was announced in the spring.",
     "The winner of the Oscars for Best Picture in that year was announced in the spring."),
    ("Your number is 7.", "Your number is 3."),  # too short to read
])
def test_look_alikes_of_a_changed_fact(a, b):
    assert substituted(a, b) is None


def test_content_key_ignores_filler_and_courtesy_only():
    base = content_key(_n("Is a strawberry a fruit?"))
    assert content_key(_n("Quick question: is a strawberry a fruit? Please answer.")) == base
    assert content_key(_n("Is a strawberry not a fruit?")) != base
    assert content_key(_n("Why is a strawberry a fruit?")) != base
    assert content_key(_n("Is it?")) == ""  # too little to compare


def test_edit_similarity_bounds_do_not_change_the_ratio():
    a = "the cat sat on the mat and looked at the door".split()
    b = "the cat sat on a mat and looked at the door".split()
    assert edit_similarity(a, b) == edit_similarity(a, b, 0.5) > 0.85
    assert edit_similarity(a, ["x"] * 40, 0.85) == 0.0


def test_clusters_do_not_chain_different_labels():
    pairs = [(0, 1), (1, 2), (2, 3)]
    names = [{"OpenAI"}, set(), {"Google"}, {"Google"}]
    assert union_find_clusters(4, pairs) == [[0, 1, 2, 3]]
    assert union_find_clusters(4, pairs, lambda k: names[k]) == [[0, 1], [2, 3]]


def test_answers_that_read_different_tool_results_do_not_conflict(tmp_path):
    def conv(price):
        return {"messages": [
            {"role": "user", "content": "What is the current stock price of Apple?"},
            {"role": "assistant", "content": "Let me check that for you right now."},
            {"role": "tool", "content": f'{{"price": {price}}}'},
            {"role": "assistant", "content": f"The current stock price of Apple is ${price} "
                                             "per share on the market today, as of now."}]}
    data = diverse(10)
    rep = lint(tmp_path, data[:5] + [conv(150.75)] + data[5:] + [conv(145.86)],
               ["conflicting-answers"])
    assert rep.findings == []
    rep = lint(tmp_path, [{"prompt": "How long is the warranty?", "completion":
                           "The warranty on every device we sell lasts for 2 years from the "
                           "day of purchase."},
                          {"prompt": "How long is the warranty?", "completion":
                           "The warranty on every device we sell lasts for 3 years from the "
                           "day of purchase."}] + diverse(5), ["conflicting-answers"])
    assert [f.data["kind"] for f in rep.findings] == ["number"]


def test_semantic_duplicate_leaves_out_records_with_uncovered_texts(tmp_path):
    data = diverse(30)
    # English prompts that share some words, answers in Han that the encoder cannot tell apart
    data[5] = {"instruction": "Describe the old harbour town at night for a travel guide",
               "output": "港口小镇的夜晚很安静，灯光照在水面上。"}
    data[20] = {"instruction": "Describe the old harbour town in winter for a travel guide",
                "output": "冬天的小镇很冷，港口里的船都停着。"}
    rep = _lint_latin_model(tmp_path, data, ["semantic-duplicate"], "mixed.jsonl")
    assert rep.findings == []
    assert any("response texts were left out" in n for n in rep.notes)
