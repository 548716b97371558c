"""Properties that must hold for any input (hypothesis).

* The findings of the per-record rules do not depend on the order of the records: shuffling a
  file gives the same multiset of (record content, rule) pairs.
* Linting never modifies the input file.
* Arbitrary bytes named ``.jsonl`` never produce a traceback or an exit code other than
  0, 1 or 2.
"""

from __future__ import annotations

import collections
import hashlib
import tempfile
from pathlib import Path

import orjson
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from datalint.cli import main
from datalint.registry import all_rules
from datalint.rule import DatasetRule, RecordRule

from .helpers import run

SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# -- generated records: realistic text with a share of defects and odd shapes ---------------

TEXTS = [
    "What is the capital of France?",
    "The capital of France is Paris.",
    "Hello {{name}}, I am {{author}}'s assistant.",
    "",
    "   ",
    "Sure! Here is the code:\n```python\nprint('hi')\n```",
    "I think the answer is",
    "Contact me at jane.doe@example.com or +1 555 0100.",
    "<|im_end|> leaked token",
    "Café résumé naïve — “quotes” and ñ",
    "Ã©tÃ© mojibake",
    "As an AI language model, I cannot do that.",
    "trailing space ",
    "\u200b zero width",
    "Call get_weather for Oslo.",
]
text = st.one_of(st.sampled_from(TEXTS), st.text(max_size=40))
role = st.sampled_from(["system", "user", "assistant", "tool", "human", "gpt", "narrator"])
message = st.one_of(
    st.fixed_dictionaries({"role": role, "content": text}),
    st.fixed_dictionaries({"role": role, "content": st.one_of(st.none(), st.integers(-2**53, 2**53),
                                                              st.lists(text, max_size=2))}),
    st.fixed_dictionaries({"role": st.just("assistant"), "content": st.none(),
                           "tool_calls": st.just([{"id": "c1", "type": "function",
                                                   "function": {"name": "f",
                                                                "arguments": "{}"}}])}),
    st.fixed_dictionaries({"role": st.just("tool"), "tool_call_id": st.sampled_from(["c1", "c2"]),
                           "content": text}),
)
record = st.one_of(
    st.fixed_dictionaries({"messages": st.lists(message, max_size=5)}),
    st.fixed_dictionaries({"conversations": st.lists(
        st.fixed_dictionaries({"from": st.sampled_from(["human", "gpt", "system"]),
                               "value": text}), max_size=4)}),
    st.fixed_dictionaries({"instruction": text, "input": text, "output": text}),
    st.fixed_dictionaries({"instruction": text, "response": text}),
    st.fixed_dictionaries({"prompt": text, "completion": text}),
    st.fixed_dictionaries({"prompt": text, "chosen": text, "rejected": text}),
    st.fixed_dictionaries({"text": text}),
    st.dictionaries(st.sampled_from(["foo", "id", "meta", "text"]), st.integers(-2**53, 2**53), max_size=3),
    st.integers(-2**53, 2**53),
)
line = st.one_of(record.map(orjson.dumps), record.map(orjson.dumps),
                 st.sampled_from([b"{broken", b"[1,]", b"", b"   "]))


def _per_record_rules() -> list[str]:
    """Rules whose findings are about one record only (no cross-record state)."""
    out = []
    for r in all_rules():
        if issubclass(r, DatasetRule):
            continue
        if issubclass(r, RecordRule) and r.finish is not RecordRule.finish:
            continue
        out.append(r.code)
    return out


def _finish_rules() -> list[str]:
    return [r.code for r in all_rules()
            if issubclass(r, RecordRule) and r.finish is not RecordRule.finish]


def _content_findings(path: Path, lines: list[bytes], select: list[str]):
    rep = run(path, select=select)
    assert not rep.errors, rep.errors
    out = collections.Counter()
    for f in rep.findings:
        ln = f.location.line
        content = lines[ln - 1] if ln is not None else None
        out[(content, f.code, f.location.field)] += 1
    return out


@SETTINGS
@given(lines=st.lists(line, min_size=1, max_size=15), data=st.data())
def test_per_record_findings_do_not_depend_on_order(lines, data):
    shuffled = data.draw(st.permutations(lines))
    per_record = _per_record_rules()
    with tempfile.TemporaryDirectory() as d:
        a, b = Path(d) / "a.jsonl", Path(d) / "b.jsonl"
        a.write_bytes(b"\n".join(lines) + b"\n")
        b.write_bytes(b"\n".join(shuffled) + b"\n")
        before = hashlib.sha256(a.read_bytes()).hexdigest()
        assert _content_findings(a, lines, per_record) == \
            _content_findings(b, shuffled, per_record)
        # rules with whole-file state may choose which record to point at, but not how
        # many problems there are
        finish = _finish_rules()
        if finish:
            ca = collections.Counter(f.code for f in run(a, select=finish).findings)
            cb = collections.Counter(f.code for f in run(b, select=finish).findings)
            assert ca == cb
        assert hashlib.sha256(a.read_bytes()).hexdigest() == before


def _heavy_rules() -> list[str]:
    """Rules that need a model: kept out of the fast property runs."""
    return [r.code for r in all_rules()
            if any(w in req for req in r.requires for w in ("embed", "model", "token"))]


@SETTINGS
@given(lines=st.lists(line, min_size=1, max_size=20))
def test_input_is_never_modified_by_any_rule(lines):
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "train.jsonl"
        data = b"\n".join(lines) + b"\n"
        p.write_bytes(data)
        heavy = _heavy_rules()
        rep = run(p, ignore=heavy) if heavy else run(p)
        assert not rep.errors, [(e.code, e.message) for e in rep.errors]
        assert p.read_bytes() == data


junk = st.one_of(
    st.binary(max_size=600),
    st.lists(st.one_of(st.binary(max_size=40), line), max_size=12).map(b"\n".join),
    st.lists(st.one_of(st.binary(max_size=40), line), max_size=12).map(
        lambda ls: b"\xff\xfe" + b"\n".join(ls)),
    st.text(max_size=200).map(lambda t: t.encode("utf-16")),
)


@SETTINGS
@given(data=junk)
def test_arbitrary_bytes_never_traceback(data):
    heavy = _heavy_rules()
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "train.jsonl"
        p.write_bytes(data)
        args = ["check", "--isolated", str(p)]
        for code in heavy:
            args += ["--ignore", code]
        r = CliRunner().invoke(main, args, catch_exceptions=False)
        assert r.exit_code in (0, 1, 2), r.output
        assert "Traceback" not in r.output and "rule crashed" not in r.output, r.output
        assert p.read_bytes() == data
