"""Readers end to end: every supported format and layout, through the engine or the CLI.

Each test writes its own small data file, lints it, and checks what a user sees: the records
were read, the line numbers point at the right place, and the layout was recognised.
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from click.testing import CliRunner

from datalint.cli import main
from datalint.config import Config
from datalint.io.layouts import LayoutMapper
from datalint.io.readers import discover, read_source
from datalint.io.record import Record

from .helpers import mapped_records, run, write_jsonl

CHAT = [
    {"messages": [{"role": "system", "content": "You are a helpful travel assistant."},
                  {"role": "user", "content": f"What should I pack for a trip to city {i}?"},
                  {"role": "assistant", "content": f"For city {i}, pack layers and an umbrella."}]}
    for i in range(3)
]


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


records = mapped_records


def findings(report):
    return sorted((f.location.line, f.name) for f in report.findings)


# -- JSON Lines -----------------------------------------------------------------------------

def test_jsonl_line_numbers_skip_blank_lines(tmp_path):
    p = tmp_path / "train.jsonl"
    p.write_bytes(orjson.dumps(CHAT[0]) + b"\n\n" + orjson.dumps(CHAT[1]) + b"\n{oops\n"
                  + orjson.dumps(CHAT[2]) + b"\n")
    recs = records(p)
    assert [(r.line, r.index) for r in recs] == [(1, 0), (3, 1), (5, 2)]
    assert {r.layout for r in recs} == {"chat"}
    rep = run(p, select=["format"])
    assert findings(rep) == [(4, "invalid-json")]
    assert rep.records == 3


def test_jsonl_gz_and_crlf(tmp_path):
    p = tmp_path / "train.jsonl.gz"
    with gzip.open(p, "wb") as f:
        f.write(b"".join(orjson.dumps(r) + b"\r\n" for r in CHAT))
    rep = run(p, select=["format"])
    assert rep.records == 3 and rep.findings == []


# -- JSON -----------------------------------------------------------------------------------

def test_json_array_element_lines(tmp_path):
    p = tmp_path / "train.json"
    p.write_text(json.dumps(CHAT, indent=2))
    text = p.read_text().splitlines()
    recs = records(p)
    assert [r.index for r in recs] == [0, 1, 2]
    for r in recs:  # each element's line is the line of its opening brace
        assert text[r.line - 1].strip() == "{"
    assert recs[0].line == 2
    assert recs[1].line > recs[0].line


# strings with what could fool a scan for the elements: brackets, quotes, backslashes,
# escaped newlines, non-ASCII
_JSON_STRINGS = st.text(alphabet=st.sampled_from('ab [ ] { } " \\ \n , : é \u2028 \x00'),
                        max_size=12)
_JSON_VALUES = st.recursive(
    st.one_of(_JSON_STRINGS, st.integers(), st.none()),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(_JSON_STRINGS, inner, max_size=3)),
    max_leaves=8)


@settings(max_examples=200, deadline=None)
@given(elements=st.lists(_JSON_VALUES, max_size=6), indent=st.sampled_from([None, 1, 2, 4]),
       ascii_only=st.booleans())
def test_json_array_element_positions_without_a_step_per_string(elements, indent,
                                                                 ascii_only):
    # the fast path (brackets outside strings, made in C) finds the lines the token scan
    # finds, whenever it answers; it answers for every array of objects and arrays
    from datalint.io.readers import _container_starts, _lines_at, _token_starts
    data = json.dumps(elements, indent=indent, ensure_ascii=ascii_only).encode()
    fast = _container_starts(data, len(elements))
    slow = _token_starts(data, len(elements))
    if all(isinstance(e, (list, dict)) for e in elements):
        assert fast is not None
    if fast is not None:
        assert slow is not None
        assert _lines_at(*fast) == _lines_at(*slow)


def test_json_array_error_points_at_line(tmp_path):
    p = tmp_path / "train.json"
    p.write_text('[\n  {"text": "a"},\n  {"text": "b",}\n]\n')
    rep = run(p, select=["format"])
    assert findings(rep) == [(3, "invalid-json")]
    assert "whole file" in rep.findings[0].message


def test_json_object_wrapping_a_list(tmp_path):
    p = tmp_path / "train.json"
    p.write_text(json.dumps({"version": "1.0", "data": CHAT}, indent=2))
    recs = records(p)
    assert len(recs) == 3 and {r.layout for r in recs} == {"chat"}
    text = p.read_text().splitlines()
    assert all(text[r.line - 1].strip() == "{" for r in recs)
    assert run(p, select=["format"]).findings == []


def test_json_single_object_is_one_record(tmp_path):
    p = tmp_path / "one.json"
    p.write_text(json.dumps(CHAT[0]))
    recs = records(p)
    assert len(recs) == 1 and recs[0].layout == "chat" and recs[0].line == 1


def test_json_file_that_is_really_jsonl(tmp_path):
    p = tmp_path / "train.json"
    write_jsonl(p, CHAT)
    recs = records(p)
    assert [(r.line, r.layout) for r in recs] == [(1, "chat"), (2, "chat"), (3, "chat")]
    assert run(p, select=["format"]).findings == []


def test_json_trailing_comma_is_not_taken_for_jsonl(tmp_path):
    p = tmp_path / "train.json"
    p.write_text('[{"text": "a"},\n{"text": "b"},\n]\n')
    rep = run(p, select=["format"])
    assert [f.name for f in rep.findings] == ["invalid-json"]
    assert "trailing comma" in rep.findings[0].message


# -- CSV / TSV ------------------------------------------------------------------------------

def test_csv_multiline_cell_line_is_first_line_of_row(tmp_path):
    p = tmp_path / "train.csv"
    p.write_text('instruction,input,output\n'
                 '"Write a haiku\nabout rain",,"Soft rain on the roof\nthe gutters hum"\n'
                 'Name a colour.,,Blue.\n', encoding="utf-8")
    recs = records(p)
    assert [(r.line, r.layout) for r in recs] == [(2, "alpaca"), (5, "alpaca")]
    assert recs[0].turns[0].text == "Write a haiku\nabout rain"
    assert recs[0].turns[-1].text == "Soft rain on the roof\nthe gutters hum"
    assert run(p, select=["format"]).findings == []


def test_tsv_messages_column_holds_json(tmp_path):
    p = tmp_path / "train.tsv"
    cell = json.dumps(CHAT[1]["messages"]).replace('"', '""')
    p.write_text(f'id\tmessages\nrec-1\t"{cell}"\n', encoding="utf-8")
    recs = records(p)
    assert len(recs) == 1
    assert recs[0].layout == "chat" and recs[0].line == 2
    assert [t.role for t in recs[0].turns] == ["system", "user", "assistant"]
    assert recs[0].id == "rec-1"


def test_csv_short_row_is_malformed(tmp_path):
    p = tmp_path / "train.csv"
    p.write_text("prompt,completion\nHello there,General Kenobi\nonly one cell\n")
    rep = run(p, select=["malformed-row"])
    assert findings(rep) == [(3, "malformed-row")]


def test_csv_leading_blank_lines_and_header_only(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text("\n\nprompt,completion\nHi,Hello\n")
    assert [(r.line, r.layout) for r in records(p)] == [(4, "prompt-completion")]
    h = tmp_path / "b.csv"
    h.write_text("prompt,completion\n")
    rep = run(h, select=["format"])
    assert [f.name for f in rep.findings] == ["empty-file"]


# -- Parquet, saved datasets, the Hugging Face cache ----------------------------------------

def test_parquet(tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    p = tmp_path / "train.parquet"
    pq.write_table(pa.Table.from_pylist(CHAT), p)
    recs = records(p)
    assert [r.index for r in recs] == [0, 1, 2]
    assert {r.layout for r in recs} == {"chat"}
    assert recs[2].turns[1].text == CHAT[2]["messages"][1]["content"]
    assert run(p, select=["format"]).findings == []


def test_corrupt_parquet_is_input_error(tmp_path):
    p = tmp_path / "train.parquet"
    p.write_bytes(b"PAR1 this is not really parquet")
    r = invoke("check", "--isolated", p)
    assert r.exit_code == 2
    assert "train.parquet" in r.output and "Traceback" not in r.output


def test_save_to_disk_dataset_and_dataset_dict(tmp_path):
    datasets = pytest.importorskip("datasets")
    datasets.disable_progress_bars()
    ds = datasets.Dataset.from_list(CHAT)
    ds.save_to_disk(str(tmp_path / "one"))
    datasets.DatasetDict({"train": ds, "test": datasets.Dataset.from_list(CHAT[:1])}) \
        .save_to_disk(str(tmp_path / "two"))

    srcs = discover([str(tmp_path / "one")])
    assert [s.kind for s in srcs] == ["arrow"]
    assert [r.layout for r in records(tmp_path / "one")] == ["chat"] * 3

    srcs = discover([str(tmp_path / "two")])
    assert sorted(Path(s.path).name for s in srcs) == ["test", "train"]
    rep = run(tmp_path / "two", select=["format"])
    assert rep.records == 4 and rep.findings == [] and rep.input_errors == []
    # dataset_info.json / state.json are metadata, never read as data
    assert not any(f.endswith(".json") for f in rep.files)


def _fake_hub_cache(root: Path, repo_id: str, files: dict[str, bytes]) -> None:
    """The layout huggingface_hub writes: blobs, a snapshot of symlinks, refs/main."""
    repo = root / "hub" / ("datasets--" + repo_id.replace("/", "--"))
    commit = "0123456789abcdef0123456789abcdef01234567"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(commit)
    for name, data in files.items():
        blob = repo / "blobs" / f"blob{abs(hash(name))}"
        blob.parent.mkdir(parents=True, exist_ok=True)
        blob.write_bytes(data)
        link = repo / "snapshots" / commit / name
        link.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(blob, link)


def test_hf_dataset_id_from_local_cache(tmp_path, monkeypatch):
    _fake_hub_cache(tmp_path, "acme/support-chats", {
        "README.md": b"# card\n",
        ".gitattributes": b"*.parquet filter=lfs\n",
        "data/train.jsonl": b"".join(orjson.dumps(r) + b"\n" for r in CHAT),
        "data/test.jsonl": orjson.dumps(CHAT[0]) + b"\n" + b"{bad\n",
    })
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.delenv("HUGGINGFACE_HUB_CACHE", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    srcs = discover(["acme/support-chats"])
    assert sorted(s.path for s in srcs) == ["acme/support-chats/data/test.jsonl",
                                            "acme/support-chats/data/train.jsonl"]
    r = invoke("check", "--isolated", "--select", "format", "acme/support-chats")
    assert r.exit_code == 1, r.output
    assert "acme/support-chats/data/test.jsonl:2" in r.output and "invalid-json" in r.output
    # HF_HUB_CACHE wins over HF_HOME
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "elsewhere"))
    r = invoke("check", "--isolated", "acme/support-chats")
    assert r.exit_code == 2 and "never downloads" in r.output


def test_unknown_dataset_id_is_input_error_without_network(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.delenv("HUGGINGFACE_HUB_CACHE", raising=False)
    monkeypatch.delenv("HF_DATASETS_CACHE", raising=False)
    r = invoke("check", "--isolated", "nobody/nothing")
    assert r.exit_code == 2
    assert "nobody/nothing" in r.output and "never downloads" in r.output


# -- folders --------------------------------------------------------------------------------

def test_folder_lints_every_supported_file(tmp_path):
    d = tmp_path / "data"
    (d / "sub").mkdir(parents=True)
    (d / ".cache").mkdir()
    write_jsonl(d / "a.jsonl", CHAT[:1])
    (d / "b.json").write_text(json.dumps(CHAT[:2]))
    (d / "sub" / "c.csv").write_text("prompt,completion\nHi,Hello\n")
    write_jsonl(d / ".cache" / "hidden.jsonl", [{"broken": True}])
    (d / "dataset_info.json").write_text('{"description": "", "features": {}}')
    (d / "notes.txt").write_text("not data")
    (d / "README.md").write_text("# data")
    rep = run(d, select=["format"])
    names = sorted(Path(f).name for f in rep.files)
    assert names == ["a.jsonl", "b.json", "c.csv"]
    assert rep.records == 4 and rep.findings == []


def test_folder_without_data_files_is_input_error(tmp_path):
    d = tmp_path / "empty"
    d.mkdir()
    (d / "notes.txt").write_text("hello")
    r = invoke("check", "--isolated", d)
    assert r.exit_code == 2
    assert "no data files" in r.output


# -- layouts --------------------------------------------------------------------------------

LAYOUT_CASES = {
    "chat-tools": (
        {"messages": [
            {"role": "user", "content": "What is the weather in Oslo?"},
            {"role": "assistant", "content": None, "tool_calls": [
                {"id": "call_1", "type": "function",
                 "function": {"name": "get_weather", "arguments": "{\"city\": \"Oslo\"}"}}]},
            {"role": "tool", "tool_call_id": "call_1", "content": "{\"temp_c\": 4}"},
            {"role": "assistant", "content": "It is 4 °C in Oslo.", "weight": 1}]},
        "chat", [("user", "What is the weather in Oslo?"), ("assistant", None),
                 ("tool", "{\"temp_c\": 4}"), ("assistant", "It is 4 °C in Oslo.")]),
    "chat-parts": (
        {"messages": [{"role": "user", "content": [{"type": "text", "text": "Hi "},
                                                   {"type": "text", "text": "there"}]},
                      {"role": "assistant", "content": "Hello!"}]},
        "chat", [("user", "Hi there"), ("assistant", "Hello!")]),
    "sharegpt": (
        {"system": "Be brief.",
         "conversations": [{"from": "human", "value": "Capital of Peru?"},
                           {"from": "gpt", "value": "Lima."}]},
        "sharegpt", [("system", "Be brief."), ("user", "Capital of Peru?"),
                     ("assistant", "Lima.")]),
    "alpaca-output": (
        {"instruction": "Translate to French.", "input": "Good morning", "output": "Bonjour"},
        "alpaca", [("user", "Translate to French.\n\nGood morning"), ("assistant", "Bonjour")]),
    "alpaca-response": (
        {"instruction": "Name a prime number.", "input": "", "response": "Seven."},
        "alpaca", [("user", "Name a prime number."), ("assistant", "Seven.")]),
    "prompt-completion": (
        {"prompt": "Once upon a time", "completion": " there was a fox."},
        "prompt-completion", [("user", "Once upon a time"), ("assistant", " there was a fox.")]),
    "preference-strings": (
        {"prompt": "Is the sky green?", "chosen": "No, it is usually blue.",
         "rejected": "Yes."},
        "preference", [("user", "Is the sky green?"), ("assistant", "No, it is usually blue.")]),
    "preference-messages": (
        {"chosen": [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"}],
         "rejected": [{"role": "user", "content": "2+2?"},
                      {"role": "assistant", "content": "5"}]},
        "preference", [("user", "2+2?"), ("assistant", "4")]),
    "text": ({"text": "The mitochondria is the powerhouse of the cell."},
             "text", [("text", "The mitochondria is the powerhouse of the cell.")]),
}


@pytest.mark.parametrize("case", sorted(LAYOUT_CASES))
def test_layout_detection(tmp_path, case):
    raw, layout, turns = LAYOUT_CASES[case]
    p = write_jsonl(tmp_path / "d.jsonl", [raw])
    (rec,) = records(p)
    assert rec.layout == layout
    assert [(t.role, t.text) for t in rec.turns] == turns
    assert not rec.issues, rec.issues
    assert run(p, select=["format"]).findings == []


def test_layout_details(tmp_path):
    recs = records(write_jsonl(tmp_path / "d.jsonl", [
        LAYOUT_CASES["chat-tools"][0], LAYOUT_CASES["alpaca-output"][0],
        LAYOUT_CASES["preference-strings"][0], LAYOUT_CASES["preference-messages"][0]]))
    tools, alpaca, pref_s, pref_m = recs
    assert tools.turns[1].tool_calls[0]["function"]["name"] == "get_weather"
    assert tools.turns[2].tool_call_id == "call_1"
    assert tools.turns[3].weight == 1
    # the Alpaca user turn keeps instruction and input as separate spans
    assert [(s.field, s.text) for s in alpaca.turns[0].spans] == [
        ("instruction", "Translate to French."), ("input", "Good morning")]
    assert [(t.role, t.text, t.branch) for t in pref_s.rejected] == [("assistant", "Yes.",
                                                                       "rejected")]
    assert [(t.text, t.branch) for t in pref_m.rejected] == [("5", "rejected")]


def test_field_and_role_mapping_from_config(tmp_path):
    p = write_jsonl(tmp_path / "d.jsonl", [
        {"question": "Where is my parcel?", "reply": "It ships tomorrow."},
        {"dialogue": [{"role": "customer", "content": "Refund please."},
                      {"role": "agent", "content": "Done."}]},
    ])
    cfg = Config(fields={"prompt": "question", "completion": "reply",
                         "messages": "dialogue"},
                 roles={"customer": "user", "agent": "assistant"})
    qa, chat = records(p, cfg)
    assert qa.layout == "prompt-completion"
    assert [(t.role, t.text) for t in qa.turns] == [("user", "Where is my parcel?"),
                                                    ("assistant", "It ships tomorrow.")]
    assert chat.layout == "chat"
    assert [t.role for t in chat.turns] == ["user", "assistant"]
    assert [t.raw_role for t in chat.turns] == ["customer", "agent"]
    # without the mapping the same file is not understood
    assert records(p)[1].layout is None
    rep = run(p, select=["format"], fields=cfg.fields, roles=cfg.roles)
    assert [f.name for f in rep.findings] == ["mixed-formats"]  # and nothing unmapped


def test_field_mapping_in_config_file_via_cli(tmp_path):
    (tmp_path / "datalint.toml").write_text(
        '[fields]\ninstruction = "task"\noutput = "answer"\n')
    p = write_jsonl(tmp_path / "d.jsonl", [{"task": "Say hi.", "answer": "Hi!"}])
    r = invoke("check", "--select", "format", p)
    assert r.exit_code == 0, r.output
    r = invoke("check", "--isolated", "--select", "format", p)
    assert r.exit_code == 1 and "unknown-format" in r.output


def test_plain_chat_messages_map_to_the_turns_the_constructor_makes():
    # the chat fast path builds its turns without calling Turn(); they must be equal to
    # what the constructor makes, every field set (a field left out would raise here)
    from datalint.io.record import Turn
    mapper = LayoutMapper()
    rec = Record("x.jsonl", 1, 0, {"messages": [{"role": "System", "content": "Be brief."},
                                                {"role": "human", "content": "Hi"},
                                                {"role": "assistant", "content": ""}]})
    mapper.adapt(rec)
    assert rec.turns == [Turn("system", "Be brief.", "messages[0].content", "System"),
                         Turn("user", "Hi", "messages[1].content", "human"),
                         Turn("assistant", "", "messages[2].content", "assistant")]
    pair = Record("x.jsonl", 2, 1, {
        "prompt": [{"role": "user", "content": "Q"}],
        "chosen": [{"role": "assistant", "content": "A"}],
        "rejected": [{"role": "assistant", "content": "B"}]})
    mapper.adapt(pair)
    assert pair.rejected == [Turn("assistant", "B", "rejected[0].content", "assistant",
                                  branch="rejected")]


def test_jsonl_records_equal_the_constructors_in_every_slot(tmp_path):
    # the JSON Lines reader builds its records without calling Record(); every slot,
    # the caches included, must hold what the constructor puts there
    from datalint.io.readers import Source
    p = write_jsonl(tmp_path / "a.jsonl", [{"text": "hello"}])
    (rec,) = [r for r in read_source(Source(str(p), "jsonl")) if type(r) is Record]
    made = Record(str(p), 1, 0, {"text": "hello"})
    for name in Record.__slots__:
        assert getattr(rec, name) == getattr(made, name), name


def test_the_plain_constructors_equal_the_dataclass_constructors_in_every_slot():
    from datalint.io.record import Turn
    t = Turn.plain("user", "Hi", "messages[0].content", "human", "rejected")
    made = Turn("user", "Hi", "messages[0].content", "human", branch="rejected")
    for name in Turn.__slots__:
        assert getattr(t, name) == getattr(made, name), name
    rec = Record.plain("a.jsonl", 3, 2, {"text": "x"})
    made = Record("a.jsonl", 3, 2, {"text": "x"})
    for name in Record.__slots__:
        assert getattr(rec, name) == getattr(made, name), name
    assert rec.turns is not Record.plain("a.jsonl", 4, 3, {}).turns  # a list of its own
