"""Tests of the text-quality content rules beyond their fixtures: options, messages, the
tokenizer, and the real corpora (skipped when absent)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from datalint.cli import main
from datalint.errors import UsageError
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


# -- encoding-error ---------------------------------------------------------------------------

def test_encoding_error_messages():
    (kind, msg), = describe("Itâ€™s fine")
    assert kind == "mojibake" and "'â€™'" in msg
    (kind, msg), = describe("ÐŸÑ€Ð¸Ð²ÐµÑ‚")
    assert "Привет" in msg
    kinds = [k for k, _ in describe("\ufeffbad\x00 text \ufffd")]
    assert kinds == ["replacement", "control", "invisible"]
    assert describe("plain ASCII text\twith tabs\r\n") == []


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
