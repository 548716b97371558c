"""Tests of the text-quality content rules beyond their fixtures: options, messages, the
tokenizer, and the real corpora (skipped when absent)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from datalint.cli import main
from datalint.errors import UsageError
from datalint.io.layouts import LayoutMapper
from datalint.io.record import Record
from datalint.rules.content.boilerplate_response import offered_tools, request_kinds
from datalint.rules.content.encoding_error import describe
from datalint.rules.content.repeated_content import find_repeat
from datalint.resources.tokens import estimate_tokens
from datalint.rules.content.truncated_response import missing_stop, truncation

from .helpers import lint_records, run, write_jsonl


def chat(user: str, answer: str) -> dict:
    return {"messages": [{"role": "user", "content": user},
                         {"role": "assistant", "content": answer}]}


# -- too-long ---------------------------------------------------------------------------------

def test_estimate_weights_non_ascii():
    assert estimate_tokens("abcd" * 100) == 100
    assert estimate_tokens("東京" * 50) == 100
    assert estimate_tokens("café") == 1 + 1  # "caf" -> 1, "é" -> 1


def test_too_long_message_and_limit(tmp_path):
    recs = [chat("Summarize.", "word " * 1000), chat("Summarize.", "word " * 600)]
    report = lint_records(tmp_path, recs, select=["too-long"],
                          options={"too-long": {"max-tokens": 1000}})
    assert [f.location.line for f in report.findings] == [1]
    msg = report.findings[0].message
    assert "1,261 estimated tokens" in msg and "limit of 1,000" in msg
    assert report.findings[0].location.field == "messages[1].content"
    assert report.findings[0].data["estimated"] is True


def test_too_long_counts_longer_side_of_a_preference_pair(tmp_path):
    recs = [{"prompt": "Write.", "chosen": "Short.", "rejected": "x" * 4400},
            {"prompt": "Write.", "chosen": "Short.", "rejected": "Also short."}]
    report = lint_records(tmp_path, recs, select=["too-long"],
                          options={"too-long": {"max-tokens": 1000}})
    assert [(f.location.line, f.location.field) for f in report.findings] == [(1, "rejected")]


def _word_tokenizer(path: Path) -> Path:
    from tokenizers import Tokenizer
    from tokenizers.models import WordLevel
    from tokenizers.pre_tokenizers import Whitespace

    vocab = {"[UNK]": 0, "hello": 1, "world": 2, "banana": 3}
    tok = Tokenizer(WordLevel(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = Whitespace()
    path.mkdir(parents=True, exist_ok=True)
    tok.save(str(path / "tokenizer.json"))
    return path


def test_tokenizer_gives_exact_counts(tmp_path):
    folder = _word_tokenizer(tmp_path / "model")
    # 300 words in 2,100 characters: the estimate says 525 + 8, the tokenizer 300 + 1 + 8
    recs = [chat("hello", "banana " * 300), chat("hello", "world " * 100)]
    data = write_jsonl(tmp_path / "data.jsonl", recs)
    for tok_path in (folder, folder / "tokenizer.json"):
        report = run(data, select=["too-long"],
                     options={"too-long": {"max-tokens": 250, "tokenizer": str(tok_path)}})
        assert [f.location.line for f in report.findings] == [1]
        f = report.findings[0]
        assert "309 tokens" in f.message and "estimated" not in f.message
        assert f.data == {"tokens": 309, "limit": 250, "estimated": False}
    # exact counting can also clear a record the estimate would report
    report = run(data, select=["too-long"],
                 options={"too-long": {"max-tokens": 400, "tokenizer": str(folder)}})
    assert report.findings == []
    assert len(run(data, select=["too-long"],
                   options={"too-long": {"max-tokens": 400}}).findings) == 1


def test_bad_tokenizer_path_is_a_usage_error(tmp_path):
    data = write_jsonl(tmp_path / "data.jsonl", [chat("hi", "hello")])
    with pytest.raises(UsageError, match="tokenizer"):
        run(data, select=["too-long"], options={"too-long": {"tokenizer": str(tmp_path / "nope")}})
    (tmp_path / "empty").mkdir()
    with pytest.raises(UsageError, match="tokenizer"):
        run(data, select=["too-long"], options={"too-long": {"tokenizer": str(tmp_path / "empty")}})
    broken = tmp_path / "broken.json"
    broken.write_text("{not a tokenizer")
    with pytest.raises(UsageError, match="cannot load tokenizer"):
        run(data, select=["too-long"], options={"too-long": {"tokenizer": str(broken)}})


def test_cli_max_tokens_and_tokenizer(tmp_path):
    folder = _word_tokenizer(tmp_path / "model")
    data = write_jsonl(tmp_path / "data.jsonl", [chat("hello", "banana " * 300)])
    base = ["check", "--isolated", "--no-color", "--fail-on", "warning", "--select", "too-long"]
    r = CliRunner().invoke(main, [*base, "--max-tokens", "250", str(data)])
    assert r.exit_code == 1 and "estimated tokens" in r.output, r.output
    r = CliRunner().invoke(main, [*base, "--max-tokens", "250", "--tokenizer", str(folder),
                                  str(data)])
    assert r.exit_code == 1 and "309 tokens" in r.output, r.output
    r = CliRunner().invoke(main, [*base, "--tokenizer", str(tmp_path), str(data)])
    assert r.exit_code == 2 and "tokenizer" in r.output


def test_too_long_on_the_openai_toy_chat(corpora):
    report = run(corpora / "openai_toy_chat.jsonl", select=["too-long"],
                 options={"too-long": {"max-tokens": 4096}})
    assert [f.location.line for f in report.findings] == [5]
    assert run(corpora / "openai_toy_chat.jsonl", select=["too-long"]).findings == []


# -- repeated-content -------------------------------------------------------------------------

def test_repeated_content_reports_phrase_and_count(tmp_path):
    report = lint_records(tmp_path, [chat("I'm hungry.", "Eat a banana!" * 2000)],
                          select=["repeated-content"])
    (f,) = report.findings
    assert "'Eat a banana!' is repeated 2,000 times in a row (100% of the text)" in f.message
    assert f.data["repeats"] == 2000


def test_repeated_content_threshold_option(tmp_path):
    recs = [chat("Say sorry.", "It will not happen again, I promise you, and I will make it "
                 "up to you as soon as the shop opens again on Monday morning. "
                 + "I am so sorry about that. " * 4)]
    assert lint_records(tmp_path, recs, select=["repeated-content"]).findings == []
    report = lint_records(tmp_path, recs, select=["repeated-content"],
                          options={"repeated-content": {"min-repeats": 3}})
    assert len(report.findings) == 1 and "4 times" in report.findings[0].message


def test_repeated_content_finds_a_loop_after_normal_text():
    intro = "Sure, here is a detailed answer to your question about the weather. " * 1
    hit = find_repeat(intro + "It will rain tomorrow. " * 30, 5)
    assert hit is not None and hit[0] == "It will rain tomorrow. " and hit[1] == 30


def test_repeated_content_on_the_openai_toy_chat(corpora):
    report = run(corpora / "openai_toy_chat.jsonl", select=["repeated-content"])
    assert [f.location.line for f in report.findings] == [5]


# -- stray-whitespace -------------------------------------------------------------------------

def test_stray_whitespace_reports_once_per_record(tmp_path):
    rec = {"messages": [{"role": "user", "content": "Hi\r\nthere"},
                        {"role": "assistant", "content": " Hello!\n"},
                        {"role": "user", "content": "Bye"},
                        {"role": "assistant", "content": "Bye! "}]}
    report = lint_records(tmp_path, [rec], select=["stray-whitespace"])
    (f,) = report.findings
    assert f.severity == "info"
    assert "starts with ' ' (messages[1].content)" in f.message
    assert "ends with '\\n' (messages[1].content)" in f.message
    assert "ends with ' ' (messages[3].content)" in f.message
    assert "\\r\\n line endings in 1 turn (messages[0].content)" in f.message


# -- leaked-special-token: a suffix every record carries -------------------------------------

def _completions(n: int, end=lambda i: "<|endoftext|>") -> list[dict]:
    return [{"prompt": f"Name a fact about the number {i}.",
             "completion": f" {i} is {'even' if i % 2 == 0 else 'odd'}.{end(i)}"}
            for i in range(n)]


def test_a_token_ending_every_completion_is_one_finding_for_the_file(tmp_path):
    report = lint_records(tmp_path, _completions(40), select=["leaked-special-token"])
    (f,) = report.findings
    assert f.location.path is not None and f.location.index is None
    assert f.data["count"] == 40 and f.data["records"] == 40 and f.data["systemic"]
    assert f.data["token"] == "<|endoftext|>" and f.data["fields"] == {"completion": 40}
    assert "40 of 40 records (100%)" in f.message and "Strip it" in f.message
    assert len(f.related) == 20 and f.related[0].line == 1


def test_a_few_trailing_tokens_stay_per_record_findings(tmp_path):
    recs = _completions(40, lambda i: "<|endoftext|>" if i in (4, 30) else "")
    report = lint_records(tmp_path, recs, select=["leaked-special-token"])
    assert [f.location.line for f in report.findings] == [5, 31]
    assert all(f.location.field == "completion" for f in report.findings)


def test_a_systemic_suffix_leaves_a_token_inside_a_text_reported(tmp_path):
    recs = [{"messages": [{"role": "user", "content": f"Q{i}?"},
                          {"role": "assistant", "content": f"A{i}.<|im_end|>\n"}]}
            for i in range(30)]
    recs[7]["messages"][1]["content"] = "A7.<|im_end|><|im_start|>user\nmore?"
    report = lint_records(tmp_path, recs, select=["leaked-special-token"])
    per = [f for f in report.findings if f.location.index is not None]
    whole = [f for f in report.findings if f.location.index is None]
    assert [f.location.line for f in per] == [8]
    assert len(whole) == 1 and whole[0].data["count"] == 29


def test_the_systemic_share_is_an_option_and_counts_each_token_on_its_own(tmp_path):
    # 6 of 40 (15%) end with </s>, 2 with <|eot_id|>
    ends = {i: "</s>" for i in range(6)} | {20: "<|eot_id|>", 21: "<|eot_id|>"}
    recs = _completions(40, lambda i: ends.get(i, ""))
    report = lint_records(tmp_path, recs, select=["leaked-special-token"])
    assert sorted((f.data["token"], f.location.index) for f in report.findings) == [
        ("</s>", None), ("<|eot_id|>", 20), ("<|eot_id|>", 21)]
    report = lint_records(tmp_path, recs, select=["leaked-special-token"],
                          options={"leaked-special-token": {"systemic-share": 0.5}})
    assert len(report.findings) == 8 and all(f.location.index is not None
                                              for f in report.findings)
    with pytest.raises(UsageError):
        lint_records(tmp_path, recs, select=["leaked-special-token"],
                     options={"leaked-special-token": {"systemic-share": 0}})


def test_a_trailing_eos_word_counts_only_when_systemic(tmp_path):
    # <eos> is a word in text about tokenizers: one answer ending with it says nothing
    one = _completions(40, lambda i: " <eos>" if i == 3 else "")
    assert lint_records(tmp_path, one, select=["leaked-special-token"]).findings == []
    every = _completions(40, lambda i: "<eos>")
    (f,) = lint_records(tmp_path, every, select=["leaked-special-token"]).findings
    assert f.data["token"] == "<eos>" and f.location.index is None


# -- encoding-error ---------------------------------------------------------------------------

def test_encoding_error_messages():
    (kind, msg), = describe("Itâ€™s fine")
    assert kind == "mojibake" and "'â€™'" in msg
    (kind, msg), = describe("ÐŸÑ€Ð¸Ð²ÐµÑ‚")
    assert "Привет" in msg
    kinds = [k for k, _ in describe("\ufeffbad\x00 text \ufffd")]
    assert kinds == ["replacement", "control", "invisible"]
    assert describe("plain ASCII text\twith tabs\r\n") == []


@pytest.mark.parametrize("text,first,count", [
    ("&quot;Pure&quot; water is safe.", "&quot;", 2),
    ("Rhythm &amp; blues", "&amp;", 1),
    ("It&#39;s late; it&#x27;s dark.", "&#39;", 2),
    ("The caf&eacute; opens at 9.", "&eacute;", 1),
])
def test_html_entities_in_plain_text(text, first, count):
    (kind, msg), = describe(text)
    assert kind == "html-entity" and repr(first) in msg
    assert (f"({count:,} in all)" in msg) == (count > 1)


@pytest.mark.parametrize("text", [
    "<p class=\"note\">Fish &amp; chips</p>",           # markup: entities belong there
    "Run `echo '&lt;b&gt;'` to see it.",                 # inline code
    "```html\n&lt;div&gt;\n```",                       # fenced code
    "int *p = &pi;\nreturn &sum;",                      # C takes addresses
    "AT&T; Q&A; &notanentity; &#0; &#x110000;",          # not HTML character references
    "How do I escape &quot; in a string?",               # the text is about escaping
])
def test_html_entity_look_alikes(text):
    assert [k for k, _ in describe(text)] == []


# -- truncated-response -----------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "The answer is the",
    "It is made of wood, metal and",
    "Call it like this: print(",
    "Run this:\n```\ncode\n",
    # a copula, an auxiliary, an infinitive marker with nothing after them
    "The numerical value of the equation is",
    "With x = 3, the numerical value of the expression is",
    "Once the dough has rested, the next step will be",
    "The best way to keep the soil moist is to",
    "The importance of",
    # a subject after a comma or a conjunction; a sentence of one function word; a pair
    "Years later, when the letter arrived, she",
    "The garden was quiet and they",
    "Clustering groups similar points together. For",
    "Many fruits are rich in vitamin C, such as",
    "It is cheap, fast and easy to learn, as well as",
    # an unclosed quotation
    "The sign read “Closed for the season, please come back",
    'The sign read "Closed for the season, please come back',
    # CJK: an enumeration comma, a full-width colon, an unclosed bracket
    "花园里开满了鲜花，有玫瑰、郁金香、",
    "方法有很多。\n\n1. 制定计划：列出任务。\n2. 专注：",
    "下面是元素列表：\n1. 氢（Hydrogen）\n2. 氦（Helium",
])
def test_truncated_examples(text):
    assert truncation("Here is a longer answer. " + text) is not None


@pytest.mark.parametrize("text", [
    "Paris", "42", "Yes", "No, it is not", "The Eiffel Tower", "Enjoy your meal 🍝",
    "See https://example.com/docs/the", "x = 1;", "return a", "SELECT name FROM users",
    # one-line code spans are not fences
    "Use the command below to list the files:\n```ls -l```",
    "Run ```ls -l``` to list the files.\n\n```du -sh *```",
    # a verb or preposition a sentence may end on: a question word, a pronoun, an
    # infinitive, a left-out infinitive
    "Nobody can tell you who you are",
    "That is just the way it is",
    "Leave the settings as they are",
    "Offer to help a neighbour with a job they are struggling with",
    "Find a club with like-minded people to connect with",
    "Hard work is something to be proud of",
    "If you would like a longer version, I would be happy to",
    "The question is whether to be or not to be",
    "The results will be what they will be",
    # a capital inside a sentence is not a sentence start: words in reverse order
    "dog lazy the over jumps fox brown quick The",
    # lists of words, labels, quotations
    "Common prepositions include: in, on, at, of",
    "Prepositions:\n- in\n- of",
    "Carrots are rich in beta-carotene, which the body converts into vitamin A",
    "One solution is (a, b) = (5, 2). Let b be any number and then solve for a",
    "“好的设计是显而易见的。”——某设计师",
    "他站着不动。",
])
def test_not_truncated_examples(text):
    assert truncation(text) is None


@pytest.mark.parametrize("text", [
    "Bitcoin is the largest cryptocurrency. Ethereum is second. While Bitcoin",
    "We recurse until we reach the end of the list. Then we reverse",
    "Steps:\n1. Collect the data. Clean it.\n2. Train the model.\n3. Evaluate it. If the "
    "error grows, the model may need to be re",
    "他在比赛中表现出色，多次赢得冠军。随后，他又参加了在202",
    "The chart shows the yearly revenue of the three companies from 2019 to 20",
    "The events are listed above.\n\nThese events can be seen as a build-up of tension "
    "that finally boiled",
])
def test_missing_stop_examples(text):
    assert truncation(text) is None
    assert missing_stop(text) is not None


@pytest.mark.parametrize("text", [
    # the list leaves the stop off its items: the last item without one is the list's style
    "Tips:\n- Keep a regular schedule\n- Keep the bedroom cool\n- Avoid caffeine after noon. "
    "It stays in the body for hours",
    # a sign-off with the name, inline
    "The nights are long and the castle is cold. I count the days until your ship arrives. "
    "Yours in friendship and patience, Mina",
    "Thanks for your help. Best regards, Ann Lee",
    "Label every box. Pack a bag for the first night. Good luck",
    # a poem, a title, a quotation with its attribution, an inline list of headlines
    "Roses are red\nViolets are blue\nSugar is sweet\nAnd so are you",
    "Driving the Economy Forward: A History of the Automobile Industry in America",
    "\"Courage is grace under pressure.\" - E.M. Hemingway",
    "Here are the headlines: - New battery technology extends range - Scientists develop a "
    "new algorithm - New approach to space travel reduces costs",
    "Check out our new summer collection. #summer #fashion",
    "A short answer",
])
def test_missing_stop_look_alikes(text):
    assert missing_stop(text) is None


_COMPLETE = [chat(f"What is {a} plus {b}?", f"The sum of {a} and {b} is {a + b}.")
             for a in range(2, 12) for b in range(2, 6)]
_BARE = [  # complete answers that only lack the final full stop
    chat("Why eat fibre?", "Fibre keeps you full for longer. Eating more of it at breakfast "
                           "can help reduce snacking, which helps with weight loss"),
    chat("Is a stalemate a win?", "No. A stalemate is a draw. It does not matter who has "
                                  "more pieces on the board"),
    chat("Who was killed on the Ides of March?", "Julius Caesar was killed on the Ides of "
                                                "March in 44 BC"),
    chat("Odd one out: emu, kiwi, eagle?", "All three are birds. The eagle is the odd one "
                                          "out because the others cannot fly"),
]
_CUT = chat("Solve 3x = 12.", "Dividing both sides by 3 gives the answer. The numerical "
                              "value of the equation is")


def _lines(report):
    return sorted(f.location.line for f in report.findings)


def test_missing_stop_is_reported_where_answers_end_with_one(tmp_path):
    """In a file whose answers end with a full stop, a missing one at the end of prose is
    a cut (found once the file is read)."""
    recs = _COMPLETE + _BARE[:2] + [_CUT]
    report = lint_records(tmp_path, recs, select=["truncated-response"])
    n = len(_COMPLETE)
    assert _lines(report) == [n + 1, n + 2, n + 3]
    weak = [f for f in report.findings if "no end punctuation" in f.message]
    assert len(weak) == 2 and "40 of this file's 42 prose answers" in weak[0].message


def test_missing_stop_is_a_style_in_a_human_written_file(tmp_path):
    """When many answers of a file leave the stop off, that is its style: only the real cut
    (a dangling copula) is reported."""
    recs = _COMPLETE[:8] + _BARE + [_CUT]
    report = lint_records(tmp_path, recs, select=["truncated-response"])
    assert _lines(report) == [len(recs)]
    assert "ends mid-sentence on 'is'" in report.findings[0].message


def _long(k: int) -> str:
    text = (f"Planning trip number {k} takes a little time. " + "Read the plan carefully and "
            "gather what you need before you start. Check each step, and ask for help when "
            "something is unclear. " * 6)
    return text


def test_a_length_limit_is_a_cut_whatever_the_style(tmp_path):
    """A human-written file whose longest answers all stop mid-sentence at about the same
    length: a generation limit."""
    cut = []
    for k in range(6):
        t = _long(k)
        t = t[:t.rfind(" ", 0, 560 + 9 * k)]
        while t.endswith("."):
            t = t[:t.rfind(" ")]
        cut.append(chat(f"Plan trip {k}.", t))
    recs = _COMPLETE[:8] + _BARE + cut
    report = lint_records(tmp_path, recs, select=["truncated-response"])
    assert _lines(report) == list(range(13, 19))
    assert "a length limit" in report.findings[0].message


def test_a_character_limit_is_a_cut_whatever_the_style(tmp_path):
    """Answers cut at exactly the same number of characters, the longest of the file."""
    cut = [chat(f"Plan trip {k}.", (_long(k)[:299] + "x")[:300]) for k in range(3)]
    recs = _COMPLETE[:8] + _BARE + cut
    report = lint_records(tmp_path, recs, select=["truncated-response"])
    assert _lines(report) == [13, 14, 15]
    assert "exactly 300 characters" in report.findings[0].message
    # the same answers are not the longest of the file: no limit shows
    longer = [chat("Plan a long trip.", _long(9) + "Done.") for _ in range(3)]
    report = lint_records(tmp_path, recs + longer, select=["truncated-response"])
    assert report.findings == []


def test_each_file_has_its_own_style(tmp_path):
    punctuated = write_jsonl(tmp_path / "a.jsonl", _COMPLETE + _BARE[:1])
    human = write_jsonl(tmp_path / "b.jsonl", _COMPLETE[:8] + _BARE)
    report = run([punctuated, human], select=["truncated-response"])
    assert [(Path(f.location.path).name, f.location.line) for f in report.findings] == [
        ("a.jsonl", len(_COMPLETE) + 1)]


def test_fixture_expectations_follow_the_records():
    """expect.toml of the rule's fixture lists exactly the lines whose ``_expect`` names it."""
    import json
    import tomllib

    folder = Path(__file__).parent.parent / "fixtures" / "rules" / "truncated-response"
    listed = {(f["file"], f["line"])
              for f in tomllib.loads((folder / "expect.toml").read_text())["finding"]}
    marked = {(p.name, i + 1) for p in folder.glob("*.jsonl")
              for i, line in enumerate(p.read_text().splitlines())
              if "truncated-response" in json.loads(line)["_expect"]}
    assert listed == marked


def test_truncated_response_on_real_corpora(corpora):
    """Every answer reported in the real sets was read and judged (benchmarks/judgements)."""
    report = run(corpora / "llamafactory_alpaca_en_demo.json", select=["truncated-response"])
    ends = sorted(f.message.rsplit("ends with ", 1)[1] for f in report.findings)
    assert len(ends) == 8, ends
    assert any("importance of" in e for e in ends)
    assert any("Then we reverse" in e for e in ends)
    for name in ("codealpaca_2k.json", "gpteacher_toolformer_dedupe_only.json"):
        assert run(corpora / name, select=["truncated-response"]).findings == []
    # the original Alpaca's generator stopped at "20." and cut years in half
    report = run(corpora / "alpaca_5000.json", select=["truncated-response"])
    assert len(report.findings) == 5
    assert all(f.message.endswith(" 20')") for f in report.findings)
    report = run(corpora / "llamafactory_alpaca_zh_demo.json", select=["truncated-response"])
    assert len(report.findings) == 6


# -- boilerplate-response ---------------------------------------------------------------------


@pytest.mark.parametrize("prompt, kind", [
    ("Describe your favorite character from a movie.", "self"),
    ("Describe a memorable moment in your life.", "self"),
    ("Tell me what you would do if you won a million dollars", "self"),
    ("Describe an experience in which you had to work with someone you did not like", "self"),
    ("Determine the stock market trend of the following stock over the past month.",
     "unknowable"),
    ("Write a weather report for tomorrow.", "unknowable"),
    ("Provide the price for a regular adult ticket for a 3D movie in Boston.", "unknowable"),
    ("Predict the housing prices of the following cities.", "unknowable"),
    ("Summarize https://example.com/post", "unknowable"),
    ("Do I have diabetes? I am always thirsty.", "unknowable"),
    ("Design a logo for a company called Crumbs.", "non-text"),
    ("Create a pie chart to illustrate these figures.", "non-text"),
    ("Colorize the following black and white photo.", "non-text"),
    ("Create a reinterpretation of the following painting.", "non-text"),
    ("Describe the attached photo.", "non-text"),
    ("Can you please order a pizza for me?", "action"),
    ("I also need to book a flight to New York.", "action"),
    ("Can you also book a cab for me to reach the venue?", "action"),
])
def test_request_kinds_of_what_an_assistant_cannot_do(prompt, kind):
    assert kind in request_kinds(prompt)


@pytest.mark.parametrize("prompt", [
    "Imagine you are a tourist in Rome, what would be your favorite sights?",  # a role
    "Pretend to be a pirate and tell me your favourite treasure.",
    "You are given a sentence in English. Translate it into Spanish.",
    "Find the average age of the inhabitants of the United States",
    "Output the average temperature for a given city in a given month.",
    "Explain the current in a circuit.",
    "Describe the role of technology in today's society.",
    "What is the price of 3 apples at $2 each?",
    "Generate an SVG of a house icon.",  # a picture in a form text can hold
    "Plot a sine wave with matplotlib.",
    "Write a song about rain.",
    "Describe a picture of a sunset at sea.",
    "Describe the image of a sunset.",
    "Create a schedule for me for the week.",
    "Turn this list into a table for me.",
    "Write an email to my landlord about the broken heater.",
    "Call the function with two arguments.",
])
def test_request_kinds_leave_ordinary_requests_alone(prompt):
    assert request_kinds(prompt) == set()


def _one_finding(tmp_path, rec):
    report = lint_records(tmp_path, [rec], select=["boilerplate-response"])
    return report.findings


def test_boilerplate_message_says_why(tmp_path):
    (f,) = _one_finding(tmp_path, chat("Find the average age of people in Spain.",
                                       "As an AI, I don't have real-time data. The median age "
                                       "in Spain was about 44 years in recent statistics."))
    assert f.data["why"] == "the prompt is an ordinary request"
    assert "ordinary request" in f.message
    (f,) = _one_finding(tmp_path, chat("Imagine you are a cat. What is your favourite toy?",
                                       "As an AI, I don't have personal preferences, but cats "
                                       "often love feather wands and crinkly balls."))
    assert f.data["why"] == "the prompt gives the assistant a role to answer in"
    (f,) = _one_finding(tmp_path, chat("What is your favourite colour?",
                                       "As an AI, I don't have personal preferences."))
    assert f.data["why"] == "the disclaimer is the whole answer"


def test_boilerplate_declining_something_else_than_asked(tmp_path):
    """A prompt about the assistant's favourites does not excuse a claim that it cannot
    browse: the disclaimer must decline what was asked."""
    (f,) = _one_finding(tmp_path, chat(
        "What is your favourite book?",
        "I cannot browse the internet, so I will go by what I know. Many readers name "
        "Pride and Prejudice for its wit and its sharp portrait of manners."))
    assert f.data["why"] == "it declines something the prompt did not ask for"


def _tool_record(tools, user: str, answer: str) -> dict:
    return {"conversations": [{"from": "human", "value": user}, {"from": "gpt", "value": answer}],
            "tools": tools}


_DISCOUNT = {"name": "calculate_discount", "description": "Calculate the discounted price"}
_FLIGHT = {"name": "bookFlight", "description": "Reserve a seat between two cities"}


@pytest.mark.parametrize("tools", [
    json.dumps([_DISCOUNT]),  # LLaMA-Factory: a JSON string
    [_DISCOUNT],
    [{"type": "function", "function": _DISCOUNT}],  # OpenAI
])
def test_offered_tools_reads_every_spelling(tmp_path, tools):
    rec = _tool_record(tools, "Can you order a pizza for me?",
                       "I'm sorry, but I can't assist with that.")
    assert _one_finding(tmp_path, rec) == []
    r = Record(path="x", line=1, index=0, raw=rec)
    LayoutMapper().adapt(r)
    assert offered_tools(r) == [("calculate_discount", "Calculate the discounted price")]


def test_boilerplate_refusal_of_what_a_listed_tool_does(tmp_path):
    for user in ("Can you book a flight for me from Oslo to Rome?",
                 "I need to book a flight to Rome tomorrow."):
        (f,) = _one_finding(tmp_path, _tool_record(
            [_DISCOUNT, _FLIGHT], user, "I'm sorry, but as an AI, I don't have the capability "
            "to book flights. A travel website can compare fares for you."))
        assert f.data["why"] == "a listed tool does what was asked"
    weather = {"name": "get_weather", "description": "The weather at a place"}
    (f,) = _one_finding(tmp_path, _tool_record(
        [weather], "What is the weather in Oslo today?",
        "As an AI, I don't have access to real-time data. Check a local forecast service."))
    assert f.data["why"] == "a listed tool does what was asked"


def test_boilerplate_ordinary_request_in_a_tool_record_is_still_reported(tmp_path):
    (f,) = _one_finding(tmp_path, _tool_record(
        [_DISCOUNT], "What is the capital of Australia?",
        "As an AI, I don't have access to real-time data. The capital is Canberra."))
    assert f.data["why"] == "the prompt is an ordinary request"


def test_boilerplate_on_the_demo_and_real_corpora(corpora):
    """The planted disclaimer of the demo is found; every finding on the real sets has a
    judgement in benchmarks/judgements/C010.jsonl, and at least 80% of them are true."""
    root = Path(__file__).resolve().parent.parent
    report = run(root / "fixtures" / "demo" / "support_train.jsonl",
                 select=["boilerplate-response"])
    assert [f.location.index for f in report.findings] == [26]
    verdicts = {}
    for line in (root / "benchmarks" / "judgements" / "C010.jsonl").read_text().splitlines():
        j = json.loads(line)
        verdicts[(j["file"], j["record"])] = j["verdict"]
    found = []
    for path in sorted(corpora.glob("*.json*")):
        for f in run(path, select=["boilerplate-response"]).findings:
            found.append((path.name, f.location.index))
    assert found, "no finding on the real sets"
    assert all(k in verdicts for k in found), [k for k in found if k not in verdicts]
    true = sum(verdicts[k] == "true" for k in found)
    assert true >= 0.8 * len(found), (true, len(found))
    assert not [k for k in found if k[0] == "llamafactory_glaive_toolcall_en_demo.json"]

# -- unfilled-placeholder ---------------------------------------------------------------------

def alpaca(instruction: str, output: str, input: str = "") -> dict:
    return {"instruction": instruction, "input": input, "output": output}


def _placeholders(report) -> dict[int, object]:
    """record index -> its unfilled-placeholder finding"""
    return {f.location.index: f for f in report.findings if f.name == "unfilled-placeholder"}


# For each pattern of the pack: a record it must flag, and a look-alike it must leave alone.
_SLOT_CASES = [
    ("double-brace", chat("Who made you?", "I was built by {{author}}."),
     chat("How do I print the commit in a workflow?",
          "Add a step that echoes ${{ github.sha }} to the log.")),
    ("single-brace", chat("Where is my order?", "Hi {customer_name}, it ships today."),
     chat("Which endpoint cancels an order?",
          "Send DELETE /orders/{order_id}; the sequence {x_n} is unrelated.")),
    ("brace-instruction", chat("What is the sender line?", "From: {Your Name}"),
     chat("How do I make text bold in LaTeX?", "Write \\textbf{Your text here} in the body.")),
    ("bracket-instruction", chat("How can I reach support?", "Call [Insert phone number here]."),
     chat("Write the opening of a scene.", "[Enter KING and QUEEN]\nKING: We are late.")),
    ("bracket-slot", alpaca("Tell a story about a baker.", "[Name] baked bread every dawn."),
     alpaca("Write an email to a new client.", "Dear [Client Name],\n\nWelcome aboard.")),
    ("bracket-caps-slot", chat("Who won the race?", "The winner was [FULL NAME]."),
     chat("Show a link.", "See [NAME](https://example.com/name) for the details.")),
    ("angle-caps-slot", alpaca("Is this article biased?", "It is balanced.", "<NEWS ARTICLE>"),
     alpaca("Reply with the city and country, as <CITY>, <COUNTRY>.", "Lima, Peru")),
    ("angle-instruction", chat("How do I get the newsletter?", "Write to <your email> today."),
     alpaca("Write a letter of thanks to my mentor.", "Dear Dr. Ito,\n\nThank you.\n\n<Your Name>")),
]


@pytest.mark.parametrize("pattern,flagged,look_alike", _SLOT_CASES,
                         ids=[c[0] for c in _SLOT_CASES])
def test_each_slot_pattern_and_a_look_alike(tmp_path, pattern, flagged, look_alike):
    found = _placeholders(lint_records(tmp_path, [flagged, look_alike],
                                       select=["unfilled-placeholder"]))
    assert list(found) == [0]
    assert found[0].data["pattern"] == pattern


@pytest.mark.parametrize("record", [
    # a letter, an e-mail, a template or a script asked for: the sender, the recipient and
    # the date cannot be known
    alpaca("Compose an apology letter to a customer.", "Dear [Customer Name],\n\nSorry.\n\n"
           "Sincerely,\n[Your Name]"),
    alpaca("Insert a closing salutation to this email.", "Dear Ana,\n\nSee you Monday.\n\n"
           "Regards,\n[Your Name]", "Dear Ana,\n\nSee you Monday."),
    alpaca("Generate a template for logging a support call.", "Date: [insert date]\n"
           "Caller: [insert name]"),
    alpaca("Write the script of a sales call.", "Hi, this is [Salesperson's Name] from "
           "[Company Name]."),
    alpaca("Create an about us page for a bakery.", "Welcome to [Business Name]!"),
    alpaca("Introduce yourself at a networking event.", "Hello! My name is [Name]."),
    # the answer repeats a slot the prompt gave
    chat("Fix the grammar of this template: 'Dear [Name], we has shipped it.'",
         "Dear [Name], we have shipped it."),
    # de-identification
    chat("Redact the patient details: Ada Ruiz, 12 Oak St.", "[Name], [Address]."),
    # a format written in the prompt
    chat("Answer in the format {Name}-{River}: which river flows through Cairo?", "Cairo-Nile"),
    # a template whose variables were asked for
    chat("Write a Jinja template for a greeting.", "Hello {{ user.first_name }}!"),
])
def test_slots_meant_to_be_there_are_left_alone(tmp_path, record):
    assert _placeholders(lint_records(tmp_path, [record], select=["unfilled-placeholder"])) == {}


@pytest.mark.parametrize("record", [
    # the prompt gives the value the slot stands for
    alpaca("Write a thank-you letter to the employee.", "Dear [Employee Name],\n\nThanks.",
           "Employee Name: Ravi Menon"),
    alpaca("Write an email to my landlord. My name is Sam Lee.", "Dear landlord,\n\nThe tap "
           "leaks.\n\nBest,\n[Your Name]"),
    # no document was asked for: the answer is meant to be final
    alpaca("Who discovered penicillin?", "Penicillin was discovered by [Scientist Name]."),
    # a template-engine slot in a letter asked for is still unfilled
    alpaca("Write a letter to a friend.", "Dear {{friend}},\n\nI miss you."),
    # a slot in the prompt that stands for missing material
    alpaca("Name the capital of <insert name of a country>.", "The capital is Ottawa."),
    chat("Write a story about {topic}.", "Once upon a time."),
    {"messages": [{"role": "system", "content": "You are {assistant_name}."},
                  {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]},
])
def test_slots_in_text_meant_to_be_final_are_reported(tmp_path, record):
    assert list(_placeholders(lint_records(tmp_path, [record],
                                           select=["unfilled-placeholder"]))) == [0]


def test_one_finding_per_record_names_the_other_fields(tmp_path):
    rec = alpaca("Name the capital of <insert a country here>.", "Ottawa.",
                 "<insert a country here> - Canada")
    (f,) = lint_records(tmp_path, [rec], select=["unfilled-placeholder"]).findings
    assert f.location.field == "instruction" and "also in input" in f.message


def _identity_like(n: int, slotted: set[int], slot: str = "{{name}}") -> list[dict]:
    return [alpaca(f"Question {i}?", f"I am {slot}, here to help." if i in slotted
                   else f"Answer {i}.") for i in range(n)]


def test_a_slot_throughout_a_file_is_one_finding_with_its_records(tmp_path):
    slotted = set(range(0, 40)) - {7, 21}
    records = _identity_like(40, slotted)
    records[3]["output"] = "I am {{name}}, made by {{author}}; write to [Insert email here]."
    found = _placeholders(lint_records(tmp_path, records, select=["unfilled-placeholder"]))
    systemic = [f for f in found.values() if f.data.get("systemic")]
    (f,) = systemic
    assert f.data["placeholders"] == {"{{name}}": 38}
    # a finding on the file, not on a record (clean drops no record for it)
    assert f.location.index is None and {r.index for r in f.related} == slotted
    assert "38 records" in f.message and "substitute" in f.message
    # the record with other slots too keeps a finding of its own for them
    assert set(found) == {None, 3}
    assert found[3].data["placeholder"] in ("{{author}}", "[Insert email here]")


def test_a_slot_repeated_here_and_there_stays_one_finding_per_record(tmp_path):
    # 12 records in 1,000 (about 1%, as the repeated slots of the public sets): not systemic
    slotted = set(range(5, 1000, 83))
    found = _placeholders(lint_records(tmp_path, _identity_like(1000, slotted),
                                       select=["unfilled-placeholder"]))
    assert set(found) == slotted
    assert not any(f.data.get("systemic") for f in found.values())


def test_systemic_thresholds_are_options(tmp_path):
    slotted = set(range(0, 1000, 50))  # 20 records, 2% of their span
    records = _identity_like(1000, slotted)
    found = _placeholders(lint_records(tmp_path, records, select=["unfilled-placeholder"],
                                       options={"unfilled-placeholder":
                                                {"systemic-share": 0.01}}))
    assert len(found) == 1 and next(iter(found.values())).data["records"] == 20
    found = _placeholders(lint_records(tmp_path, records, select=["unfilled-placeholder"],
                                       options={"unfilled-placeholder":
                                                {"systemic-records": 21,
                                                 "systemic-share": 0.01}}))
    assert set(found) == slotted


def test_a_suppressed_record_leaves_the_systemic_finding(tmp_path):
    records = _identity_like(30, set(range(30)))
    records[0]["_datalint_ignore"] = ["unfilled-placeholder"]
    rep = lint_records(tmp_path, records, select=["unfilled-placeholder"])
    (f,) = rep.findings
    assert f.location.index is None and f.related[0].index == 1 and f.data["records"] == 29
    assert rep.suppressed == 1


def test_an_answer_may_repeat_a_slot_its_prompt_gave():
    from datalint.rules.content._slot_context import Prompt

    prompt = Prompt("Tell [Name] that the meeting moved.")
    assert prompt.leaves_open("bracket-slot", "[Name]", False)
    assert not prompt.leaves_open("bracket-slot", "[Date]", False)
    assert not Prompt("Who are you?").leaves_open("double-brace", "{{name}}", True)


def test_truncation_counts_of_a_file_left_behind_are_compacted(tmp_path, monkeypatch):
    # a folder of many small files: the length histograms of the files already read are kept
    # sparse, and each file is still judged on its own
    from datalint.rules.content import truncated_response as tr

    folder = tmp_path / "shards"
    folder.mkdir()
    cut = {"instruction": "Greet the team.", "output": "Hello everyone, welcome to the team and"}
    fine = {"instruction": "Greet the team.", "output": "Hello everyone, welcome to the team."}
    for k in range(3):
        write_jsonl(folder / f"s{k}.jsonl", [cut] + [fine] * 20)
    seen = {}
    real = tr.TruncatedResponse.finish

    def spy(self):
        seen.update({p: type(st.lengths) for p, st in self.files.items()})
        return real(self)

    monkeypatch.setattr(tr.TruncatedResponse, "finish", spy)
    rep = run(folder, select=["truncated-response"])
    assert sorted(type_.__name__ for type_ in seen.values()) == ["_Sparse", "_Sparse", "list"]
    assert sorted(f.location.path.rsplit("/", 1)[-1] for f in rep.findings) == \
        ["s0.jsonl", "s1.jsonl", "s2.jsonl"]
    sparse = tr._Sparse([0, 2, 0, 5])
    assert (sparse[1], sparse[2], sparse[1:], sum(sparse), sparse[3]) == (2, 0, [2, 5], 7, 5)


def test_a_list_cut_after_its_conjunction_is_a_cut():
    from datalint.rules.content.truncated_response import truncation

    assert truncation("You will need: flour, sugar, eggs, and") == "ends mid-sentence on 'and'"
    assert truncation("We visited Paris, Rome, Berlin, and the") == "ends mid-sentence on 'the'"
    # look-alikes: a list of function words, a complete list without its stop
    for s in ("Use these words: of, with, and", "Common prepositions: in, on, at",
              "Colors: red, green, blue"):
        assert truncation(s) is None, s


def test_a_prompt_about_variables_in_data_does_not_excuse_a_template_slot(tmp_path):
    slot = {"instruction": "Find the correlation between the two variables in the table.",
            "input": "", "output": "For {{subject_name}}, the correlation is 0.82."}
    asked = {"instruction": "Fill the template variables in this greeting.", "input": "",
             "output": "Hello {{first_name}}, welcome aboard."}
    rep = lint_records(tmp_path, [slot, asked], select=["unfilled-placeholder"])
    assert [f.location.line for f in rep.findings] == [1]
