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
from datalint.rules.content.truncated_response import truncation

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
])
def test_truncated_examples(text):
    assert truncation("Here is a longer answer. " + text) is not None


@pytest.mark.parametrize("text", [
    "Paris", "42", "Yes", "No, it is not", "The Eiffel Tower", "Enjoy your meal 🍝",
    "See https://example.com/docs/the", "x = 1;", "return a", "SELECT name FROM users",
])
def test_not_truncated_examples(text):
    assert truncation(text) is None


def test_truncated_response_on_real_corpora(corpora):
    """Every answer reported in the real sets is really cut off (checked by hand)."""
    report = run(corpora / "llamafactory_alpaca_en_demo.json", select=["truncated-response"])
    ends = sorted(f.message.rsplit("ends with ", 1)[1] for f in report.findings)
    assert len(ends) == 7, ends
    assert any("importance of" in e for e in ends)
    assert any("Then we reverse" in e for e in ends)
    for name in ("codealpaca_2k.json", "gpteacher_toolformer_dedupe_only.json"):
        assert run(corpora / name, select=["truncated-response"]).findings == []
    report = run(corpora / "alpaca_5000.json", select=["truncated-response"])
    assert len(report.findings) == 1 and "1990 to 20" in report.findings[0].message
