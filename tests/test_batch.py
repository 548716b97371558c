"""The batch layer of the record pass (datalint.io.batch, datalint.pipeline.gates): joined-text
facts equal their per-record definitions, every rule's gates keep each record ``check``
reports, and the engine's findings do not depend on where batches begin and end.  Also: the
fast paths rules take inside ``check`` equal the regexes they replace, and the needles read
from a pattern pack are in every match of its patterns."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from datalint.io.batch import Batch
from datalint.config import Config, merge_cli
from datalint.pipeline.engine import Engine
from datalint.pipeline.gates import candidates, plan
from datalint.io.layouts import LayoutMapper
from datalint.io.record import Record, symbols_of
from datalint.rule import RecordRule
from datalint.rules.content.encoding_error import _ENTITY_NAMES
from datalint.rules.privacy.pii import _NUMBER, _digit_map, _number_starts
from datalint.rules.content.unfilled_placeholder import _is_code_line

from .helpers import run, write_jsonl
from .test_properties import record as properties_record

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# pieces that trigger (or nearly trigger) the rules with a batch-level prefilter
PIECES = [
    "What is the capital of France?", "The capital of France is Paris.", " ", "\n", "\t",
    "{{name}}", "{customer_name}", "[Your Name]", "[1]", "<NAME>", "<b>", "a < b", "{", "[",
    "<|im_end|>", "[INST]", "<s>", "</s>", "### Response:", "###", "#",
    "jane.doe@gmail.com", "@", "555-123-4567", "+1 415 555 0199", "4111 1111 1111 1111",
    "1234567", "12 34 56 7", "sk-abcdefghijklmnopqrstuvwx1234", "ghp_" + "a1B2" * 9,
    "AKIAIOSFODNN7EXAMPLQ", "ASIA", "AIza", "eyJhbGciOiJIUzI1NiJ9", "_", "-", "J", "K", "z",
    "As an AI language model, I cannot help.", "I'm sorry", "I am", "AI", "s of my ",
    "anguage model", "café", "Ã©", "\u200b", "\ufffd", "\x07", "\x00", "\ud800", "١٢٣٤٥٦٧",
    "N/A", "...", "<No Output>", "ok", "\r\n", "\u3000", "\xa0", "```python\nx = (1,", "No input",
]
text = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=8)), max_size=8).map("".join)
turn = st.fixed_dictionaries({"role": st.sampled_from(["system", "user", "assistant", "tool"]),
                              "content": text})
message = st.one_of(
    turn,
    st.fixed_dictionaries({"role": st.sampled_from(["assistant", "gpt", "narrator", "user"]),
                           "content": text, "weight": st.sampled_from([0, 1, 0.0])}),
    st.fixed_dictionaries({"role": st.just("assistant"), "content": st.none(),
                           "tool_calls": st.just([{"id": "c1", "type": "function",
                                                   "function": {"name": "f",
                                                                "arguments": "{}"}}])}),
    st.fixed_dictionaries({"role": st.just("tool"), "tool_call_id": st.just("c1"),
                           "content": text}),
)
raw = st.one_of(
    st.fixed_dictionaries({"messages": st.lists(message, max_size=5)}),
    st.fixed_dictionaries({"conversations": st.lists(
        st.fixed_dictionaries({"from": st.sampled_from(["human", "gpt", "system", "bot2"]),
                               "value": text}), max_size=4)}),
    st.fixed_dictionaries({"text": text}),
    st.fixed_dictionaries({"prompt": text, "completion": text}),
    st.fixed_dictionaries({"instruction": text, "input": text, "output": text}),
    st.fixed_dictionaries({"prompt": text, "chosen": text, "rejected": text}),
)


# with the odd shapes of the engine-level property tests (non-objects, stray fields…)
any_raw = st.one_of(raw, raw, properties_record)


def _records(raws: list) -> list[Record]:
    mapper = LayoutMapper()
    out = []
    for i, r in enumerate(raws):
        rec = Record("data.jsonl", i + 1, i, r)
        mapper.adapt(rec)
        out.append(rec)
    return out


def _record_rules(options: dict | None = None) -> list[RecordRule]:
    cfg = merge_cli(Config(), select=["F", "C", "R", "P"], options=options)
    return [r for r in Engine(cfg).instances.values() if isinstance(r, RecordRule)]


@SETTINGS
@given(raws=st.lists(raw, min_size=1, max_size=12))
def test_batch_facts_equal_their_per_record_definitions(raws):
    records = _records(raws)
    b = Batch(records)
    texts = [r.all_text for r in records]
    assert b.texts == texts
    assert b.symbols == [symbols_of(t) for t in texts]
    sx = re.compile(rb"[0-9]{3}|[.)\-]{2}")
    assert b.indices_matching_symbols(sx) == {i for i, t in enumerate(texts)
                                              if sx.search(symbols_of(t))}
    from datalint.rules.privacy.pii import _NUMBER_IN_SYMBOLS, _SYMBOL_CLASSES
    assert b.indices_matching_symbols(_NUMBER_IN_SYMBOLS, _SYMBOL_CLASSES) == {
        i for i, t in enumerate(texts)
        if re.search(rb"[0-9]{3}(?:[.)\-]{0,2}[0-9]{3}|[.)\-][0-9]{2}[.)\-][0-9]{4})|\+[0-9]",
                     symbols_of(t))}
    for needles in (("<",), ("{", "["), ("@", "ASIA"), ("\x07",),
                    ("AIza", "eyJ", "I am", "é")):
        assert b.having(*needles) == [r for r in records if any(n in r.all_text for n in needles)]
    assert b.split_ok == (not any("\x00" in t for t in texts))


def _key(findings) -> list:
    return [(f.code, f.location.index, f.location.field, f.message) for f in findings]


@SETTINGS
@given(raws=st.lists(any_raw, min_size=1, max_size=14), size=st.integers(1, 6))
def test_batched_rules_report_what_record_by_record_reports(raws, size):
    # too-long with a small limit, so that its batch bound is exercised too
    options = {"too-long": {"max-tokens": 30}}
    for one, batched in zip(_record_rules(options), _record_rules(options)):
        records = _records(raws)
        by_check = [f for r in records for f in one.check(r)]
        # what check reports is among the candidates
        picked = {r.index for r in candidates(batched, Batch(_records(raws)))}
        assert {f.location.index for f in by_check} <= picked, one.name
        expected = by_check + list(one.finish())
        records = _records(raws)
        out: list = []
        run = plan(batched)
        for i in range(0, len(records), size):
            run(Batch(records[i:i + size]), out)
        out += list(batched.finish())
        assert _key(out) == _key(expected), one.name


def _by_check_and_batched(name: str, raws: list, options: dict) -> tuple[list, dict]:
    """One rule's findings record by record, and batched with batches of 8 and 64."""
    one = next(r for r in _record_rules(options) if r.name == name)
    expected = [f for r in _records(raws) for f in one.check(r)] + list(one.finish())
    batched = {}
    for size in (8, 64):
        rule = next(r for r in _record_rules(options) if r.name == name)
        records = _records(raws)
        out: list = []
        run = plan(rule)
        for i in range(0, len(records), size):
            run(Batch(records[i:i + size]), out)
        batched[size] = _key(out + list(rule.finish()))
    return _key(expected), batched


def test_schema_drift_batches_with_one_odd_record_equal_record_by_record():
    # schema-drift takes a shortcut when a batch's records all share the first one's keys and
    # types; one record with a key, an order, a type or a count of its own must undo it
    base = [{"id": str(i), "messages": [{"role": "user", "content": "Q"}]} for i in range(60)]
    # (record, whether it is drift): a new order of the same fields is not
    odd = [({"id": 7, "messages": []}, True), ({"messages": [], "id": "x"}, False),
           ({"id": "y"}, True), ({"id": "z", "messages": [], "extra": None}, True),
           ({"id": None, "messages": "text"}, True)]
    for k, (o, drift) in enumerate(odd):
        expected, batched = _by_check_and_batched(
            "schema-drift", base[:20 + k] + [o] + base[20 + k:],
            {"schema-drift": {"min-records": 2}})
        assert bool(expected) == drift, o
        assert batched == {8: expected, 64: expected}, o


def test_mixed_formats_batches_equal_record_by_record_past_the_kept_locations():
    # mixed-formats only counts a one-layout batch once a layout's locations are all kept;
    # a second layout late in the file, and a second file, must still come out the same
    chat = [{"messages": [{"role": "user", "content": "Q"}, {"role": "assistant", "content": "A"}]}
            for _ in range(150)]
    alpaca = {"instruction": "Q", "input": "", "output": "A"}
    for at in (3, 70, 140):
        raws = chat[:at] + [alpaca] + chat[at:] + [alpaca] * 30
        expected, batched = _by_check_and_batched("mixed-formats", raws, {})
        assert expected and batched == {8: expected, 64: expected}, at


def test_candidates_skip_clean_records():
    # the point of the batch tests: a clean record is not looked at by the gated rules
    records = _records([{"messages": [{"role": "user", "content": "What is the capital?"},
                                      {"role": "assistant", "content": "Paris, in France."}]}
                        for _ in range(50)]
                       + [{"messages": [{"role": "user", "content": "Hi {{name}}"},
                                        {"role": "assistant", "content": "Mail a@b.co"}]}])
    b = Batch(records)
    by_name = {r.name: r for r in _record_rules()}
    assert [r.index for r in candidates(by_name["unfilled-placeholder"], b)] == [50]
    assert [r.index for r in candidates(by_name["pii"], b)] == [50]
    for name in ("leaked-special-token", "encoding-error", "boilerplate-response", "too-long",
                 "no-input-placeholder", "unknown-format", "ends-with-user",
                 "missing-user-turn", "bad-turn-order", "no-assistant-turn",
                 "tool-call-mismatch", "unknown-role"):
        assert candidates(by_name[name], b) == [], name


@settings(max_examples=200, deadline=None)
@given(before=st.text(max_size=20), after=st.text(max_size=20),
       ref=st.one_of(st.sampled_from(sorted(_ENTITY_NAMES)).map(lambda n: f"&{n};"),
                     st.integers(1, 0x10FFFF).map(lambda c: f"&#{c};"),
                     st.integers(1, 0x10FFFF).map(lambda c: f"&#x{c:X};")))
def test_every_html_entity_passes_the_symbols_gate_of_encoding_error(before, after, ref):
    # an ASCII-only text holding an entity is a candidate of encoding-error, whatever
    # surrounds it: the shape "&;" / "&#39;" survives in the text's symbols
    from datalint.rules.content.encoding_error import _ENTITY, _may_hold
    s = before + ref + after
    assert _ENTITY.search(s)
    assert _may_hold(symbols_of(s))


@SETTINGS
@given(st.text(alphabet="0123456789 -.)(a+\n٣", max_size=60))
def test_number_starts_equal_the_regex(s):
    assert list(_number_starts(s, _digit_map(s))) == [m.start() for m in _NUMBER.finditer(s)]


def _dataset(n: int) -> list[dict]:
    out = []
    for i in range(n):
        answer = f"Answer number {i} is here."
        if i % 97 == 5:
            answer = "Dear {{name}}, thanks."
        if i % 131 == 7:
            answer = "Write to someone.real@gmail.com today."
        rec = {"messages": [{"role": "user", "content": f"Question {i}?"},
                            {"role": "assistant", "content": answer}]}
        if i == 600:
            rec["_datalint_ignore"] = ["unfilled-placeholder"]
            rec["messages"][1]["content"] = "Hi {{name}}"
        out.append(rec)
    return out


@pytest.mark.parametrize("size", [1, 7, 512])
def test_findings_do_not_depend_on_batch_size(tmp_path, monkeypatch, size):
    p = write_jsonl(tmp_path / "data.jsonl", _dataset(1300))
    select = ["F", "C", "R", "P"]
    monkeypatch.setattr("datalint.pipeline.read.BATCH_SIZE", 100_000)
    whole = run(p, select=select)
    monkeypatch.setattr("datalint.pipeline.read.BATCH_SIZE", size)
    batched = run(p, select=select)
    key = [(f.location.line, f.code, f.location.field, f.message) for f in whole.findings]
    assert key == [(f.location.line, f.code, f.location.field, f.message)
                   for f in batched.findings]
    assert batched.suppressed == whole.suppressed == 1
    assert {f.location.line for f in batched.findings if f.name == "unfilled-placeholder"} \
        == {i + 1 for i in range(1300) if i % 97 == 5}
    assert sum(f.name == "pii" for f in batched.findings) == len(
        [i for i in range(1300) if i % 131 == 7])


def test_a_text_holding_the_separator_falls_back_to_per_record_tests():
    records = _records([{"text": "a\x00b <|im_end|>"}, {"text": "clean"}, {"text": "x@y.io"}])
    b = Batch(records)
    assert not b.split_ok
    assert b.having("<") == [records[0]]
    assert b.having("@") == [records[2]]
    assert b.symbols == [symbols_of(r.all_text) for r in records]


def test_a_rule_that_crashes_mid_batch_keeps_what_it_found(tmp_path, monkeypatch):
    # (pii reports as it goes; unfilled-placeholder keeps its findings for finish())
    from datalint.rules.privacy.pii import Pii

    real = Pii.check

    def flaky(self, record):
        if record.index == 400:  # the fourth record with an address
            raise RuntimeError("boom")
        return real(self, record)

    monkeypatch.setattr(Pii, "check", flaky)
    p = write_jsonl(tmp_path / "d.jsonl", _dataset(1300))
    rep = run(p, select=["unfilled-placeholder", "pii"])
    assert [e.name for e in rep.errors] == ["pii"]
    assert sum(f.name == "pii" for f in rep.findings) == len(
        [i for i in range(400) if i % 131 == 7])
    assert sum(f.name == "unfilled-placeholder" for f in rep.findings) == len(
        [i for i in range(1300) if i % 97 == 5])  # the other rule ran on



def test_a_rule_that_holds_its_findings_keeps_them_when_it_crashes(tmp_path, monkeypatch):
    # unfilled-placeholder decides at the end of the file: a crash on a later record must not
    # lose what it held from the records before
    from datalint.rules.content.unfilled_placeholder import UnfilledPlaceholder

    real = UnfilledPlaceholder._slots

    def flaky(self, record):
        if record.index == 600:
            raise RuntimeError("boom")
        return real(self, record)

    monkeypatch.setattr(UnfilledPlaceholder, "_slots", flaky)
    p = write_jsonl(tmp_path / "d.jsonl", _dataset(1300))
    rep = run(p, select=["unfilled-placeholder"])
    assert [e.name for e in rep.errors] == ["unfilled-placeholder"]
    held = [f for f in rep.findings if f.name == "unfilled-placeholder"]
    assert len(held) == len([i for i in range(600) if i % 97 == 5]) > 0


# the reading of "a line that reads as code" the placeholder rule was written against, as one
# regex; _is_code_line splits it so a search skips prose quickly, and must agree with it
_CODE_LINE_SPEC = re.compile(r"""
    ^\s*(?:def|class|import|from|return|print|printf|console|var|let|const|function|public|
          private|protected|static|void|int|float|double|char|bool|string|String|if|for|
          while|elif|else|switch|case|using|namespace|package|echo|curl|git|pip|npm|docker|
          sudo|export|SELECT|INSERT|UPDATE|DELETE|CREATE|ALTER|FROM|WHERE)\b
  | ^\s*(?:\#include|@\w|\$\s|//|/\*|\#!)
  | [;{}\[(]\s*$
  | \w\(
  | \)\s*[{:;]
  | [=!<>]=
  | \w\s*=\s*\S
  | \.(?:format|replace|join|render)\b
  | \{%|%\}|\{\#
  | </?[A-Za-z][\w-]*(?:\s[^<>\n]*)?/?>
  | =>|->|::|\$\{|\+\+|&&|\|\|
""", re.X)
CODE_PIECES = ["def ", "for", "x", " ", "\t", "\n", "=", "==", "(", ")", "{", "}", "[", ";",
               ":", ".", "format", ".join", "%", "#", "#include", "@", "$", "/", "*", "-",
               ">", "<", "<div>", "</a ", "!", "+", "&", "|", "_", "é", "١", "\xa0",
               "SELECT ", "Hello", "X"]


@SETTINGS
@given(st.lists(st.one_of(st.sampled_from(CODE_PIECES), st.text(max_size=3)),
                max_size=12).map("".join))
def test_code_line_equals_its_regex(s):
    assert _is_code_line(s) == (_CODE_LINE_SPEC.search(s) is not None)


# -- the hand-written gates let every match of a built-in pattern through --------------------

_LOOKBEHIND = re.compile(r"\(\?<[!=][^()]*(?:\([^()]*\)[^()]*)*\)")
_GATED = ("leaked-special-token", "unfilled-placeholder", "boilerplate-response", "pii")


def _gated_patterns():
    from datalint.rules.packs import load_packs
    packs = load_packs()
    return [(name, p) for name in _GATED for p in packs[name]]


@pytest.mark.parametrize("name,pattern", _gated_patterns(),
                         ids=[p.id for _, p in _gated_patterns()])
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(data=st.data())
def test_every_match_of_a_builtin_pattern_passes_the_gate(name, pattern, data):
    # strings the pattern matches, made from it (a look-behind only forbids what comes
    # before the match, so it is dropped for generating and kept for the check)
    rx = re.compile(pattern.regex, re.I if pattern.ignore_case else 0)
    s = data.draw(st.from_regex(_LOOKBEHIND.sub("", pattern.regex), fullmatch=True)
                  .filter(lambda x: rx.search(x) is not None))
    rule = next(r for r in _record_rules() if r.name == name)
    rec = _records([{"messages": [{"role": "user", "content": "Hi"},
                                  {"role": "assistant", "content": s}]}])[0]
    assert candidates(rule, Batch([rec])) == [rec]
    if name == "pii":
        from datalint.rules.privacy.pii import _windows
        spans = _windows(s, True) or []
        for m in rx.finditer(s):
            assert any(a <= m.start() and m.end() <= b for a, b in spans), (m, spans)
    else:
        assert rule.ps.may_match(s)


def _packs_searched_one_pattern_at_a_time():
    from datalint.rules.packs import PatternSet, load_packs
    sets = {name: PatternSet(pats) for name, pats in load_packs().items()}
    return [(name, ps) for name, ps in sets.items() if ps.each is not None]


@pytest.mark.parametrize("name,ps", _packs_searched_one_pattern_at_a_time(),
                         ids=[n for n, _ in _packs_searched_one_pattern_at_a_time()])
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(data=st.data())
def test_pattern_set_searched_one_pattern_at_a_time_equals_the_alternation(name, ps, data):
    # texts of pattern matches (which overlap and touch), prose and separators
    made = st.one_of(*[st.from_regex(_LOOKBEHIND.sub("", p.regex), fullmatch=True)
                       for p in ps.patterns])
    pieces = st.one_of(made, st.sampled_from(PIECES + CODE_PIECES), st.text(max_size=4))
    text = data.draw(st.lists(pieces, max_size=6).map("".join))
    expected = [(int(m.lastgroup[1:]), m.span()) for m in ps.regex.finditer(text)]
    assert [(i, m.span()) for i, m in ps.matches(text)] == expected


@settings(max_examples=300, deadline=None)
@given(before=text, after=text, data=st.data())
def test_every_number_candidate_of_pii_passes_its_symbols_gate(before, after, data):
    # the record-level gate of pii finds a run in the symbols wherever _windows would look
    # for a number (a match of _NUMBER or _PLUS), whatever text surrounds it
    from datalint.rules.privacy.pii import _NUMBER, _PLUS, _number_like
    finder = data.draw(st.sampled_from([_NUMBER, _PLUS]))
    s = before + data.draw(st.from_regex(finder, fullmatch=True)) + after
    assert finder.search(s)
    assert _number_like(symbols_of(s))


def _patterns_with_requires():
    from datalint.rules.packs import load_packs
    return [p for pats in load_packs().values() for p in pats if p.requires]


@pytest.mark.parametrize("pattern", _patterns_with_requires(),
                         ids=[p.id for p in _patterns_with_requires()])
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(data=st.data())
def test_every_match_of_a_builtin_pattern_holds_one_of_its_required_strings(pattern, data):
    rx = re.compile(pattern.regex, re.I if pattern.ignore_case else 0)
    s = data.draw(st.from_regex(_LOOKBEHIND.sub("", pattern.regex), fullmatch=True)
                  .filter(lambda x: rx.search(x) is not None))
    assert any(r in s for r in pattern.requires), (s, pattern.requires)


def _builtin_patterns():
    from datalint.rules.packs import load_packs
    return [p for pats in load_packs().values() for p in pats]


@pytest.mark.parametrize("pattern", _builtin_patterns(), ids=[p.id for p in _builtin_patterns()])
@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(data=st.data())
def test_every_match_of_a_builtin_pattern_holds_one_of_its_needles(pattern, data):
    # the record gate of a pack rule (pack_gate) stands on these needles
    from datalint.rules.packs import pattern_needles
    needles = pattern_needles(pattern)
    if needles is None:
        return
    rx = re.compile(pattern.regex, re.I if pattern.ignore_case else 0)
    s = data.draw(st.from_regex(_LOOKBEHIND.sub("", pattern.regex), fullmatch=True)
                  .filter(lambda x: rx.search(x) is not None))
    assert any(n in m.group() for m in rx.finditer(s) for n in needles), (s, needles)


@pytest.mark.parametrize("regex,text", [
    (r"\[/?INST\]", "[/INST]"), (r"(?i:ab)c", "ABc"), (r"x(?=y)z?", "xy"),
    (r"(?:foo|ba[rz])+!", "bazfoo!"), (r"a(?<!b)b", "ab"), (r"(?i)k_1", "\u212a_1"),
    (r"colou?r", "color"), (r"[0-9]{3}-x", "123-x"), (r"(?:a|)b", "b"),
])
def test_needles_read_from_a_regex_are_in_its_matches(regex, text):
    from datalint.rules.packs import regex_needles
    m = re.search(regex, text)
    assert m is not None
    needles = regex_needles(regex)
    assert needles is None or any(n in m.group() for n in needles), needles


def test_a_user_pack_is_gated_by_its_own_patterns(tmp_path):
    # a pattern a user adds to a built-in rule is searched: the gate comes from the loaded
    # patterns, not from what the built-in pack needs
    pack = tmp_path / "extra.toml"
    pack.write_text('[pack]\nrule = "unfilled-placeholder"\n\n[[pattern]]\nid = "percent"\n'
                    'regex = \'%%[A-Z_]+%%\'\ndescription = "percent slot"\n')
    leak = tmp_path / "leak.toml"
    leak.write_text('[pack]\nrule = "leaked-special-token"\n\n[[pattern]]\nid = "eos"\n'
                    'regex = \'EOS_TOKEN\'\ndescription = "an EOS token"\n')
    p = write_jsonl(tmp_path / "d.jsonl", [
        {"messages": [{"role": "user", "content": "Hi"},
                      {"role": "assistant", "content": f"Dear %%NAME%%, here {i}. EOS_TOKEN"}]}
        for i in range(100)])
    cfg = merge_cli(Config(), select=["unfilled-placeholder", "leaked-special-token"])
    cfg.packs = [str(pack), str(leak)]
    rep = Engine(cfg).run([str(p)])
    # the same slot in every record: one finding for the file, each record a location of it
    (f,) = [f for f in rep.findings if f.name == "unfilled-placeholder"]
    assert f.data["placeholders"] == {"%%NAME%%": 100}
    assert f.location.index is None and {r.index for r in f.related} == set(range(100))
    assert sum(f.name == "leaked-special-token" for f in rep.findings) == 100


def test_a_rule_with_its_own_check_batch_declares_no_gates():
    # the pipeline calls such a rule's check_batch as it is: declared gates would be ignored
    from datalint.registry import all_rules

    for cls in all_rules():
        if issubclass(cls, RecordRule) and cls.check_batch is not RecordRule.check_batch:
            assert (cls.needles, cls.layouts, cls.roles, cls.pack_gate) == (
                None, None, None, False), cls.name
