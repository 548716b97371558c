"""Fitting datalint into data workflows: baseline, diff, clean, the Python API, pre-commit."""

from __future__ import annotations

import csv
import io
import os

import orjson
import pytest
from click.testing import CliRunner

import datalint
from datalint.workflows.baseline import BASELINE_VERSION, message_skeleton
from datalint.cli import main

from .conftest import ROOT
from .helpers import write_jsonl

CHEAP = ("--select", "D001,D002,F,C")


def chat(q: str, a: str) -> dict:
    return {"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]}


GOOD = [chat(f"What is {i} times 7?", f"{i} times 7 is {i * 7}.") for i in range(1, 7)]
EMPTY_A = chat("Say hello to the team.", "")          # C004 empty-response (error)
EMPTY_B = chat("Write a haiku about rain.", "   ")     # C004 empty-response (error)
DUP = chat("Name a primary colour.", "Red.")           # D001 when repeated (warning)
NORM = chat("name a primary colour", "red")            # D002 with DUP (warning)


def jsonl_bytes(*records) -> bytes:
    return b"".join(orjson.dumps(r) + b"\n" for r in records)


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def baseline_run(path, baseline, *extra):
    r = invoke("check", path, *CHEAP, "--isolated", "--baseline", baseline, "-f", "json",
               *extra)
    return r, orjson.loads(r.output)


# -- baseline ---------------------------------------------------------------------------------

@pytest.fixture
def base(tmp_path):
    data = write_jsonl(tmp_path / "train.jsonl", [GOOD[0], EMPTY_A, DUP, GOOD[1], DUP, EMPTY_B,
                                                  NORM, GOOD[2]])
    bl = tmp_path / "baseline.json"
    r = invoke("check", data, *CHEAP, "--isolated", "--write-baseline", bl)
    assert r.exit_code == 0, r.output
    return data, bl


def test_write_baseline_records_every_finding_in_a_versioned_file(base):
    _, bl = base
    doc = orjson.loads(bl.read_bytes())
    assert doc["datalint_baseline"] == BASELINE_VERSION
    codes = sorted(e["code"] for e in doc["findings"] for _ in range(e["count"]))
    assert codes == ["C004", "C004", "D001", "D002"]
    assert all({"key", "code", "name", "severity", "message", "location", "count"} <= e.keys()
               for e in doc["findings"])


def test_baseline_hides_everything_it_holds(base):
    data, bl = base
    r, rep = baseline_run(data, bl)
    assert r.exit_code == 0
    assert rep["findings"] == []
    assert rep["summary"]["baselined"] == 4
    text = invoke("check", data, *CHEAP, "--isolated", "--baseline", bl)
    assert "4 findings hidden by the baseline." in text.output


def test_baseline_survives_reordering(base, tmp_path):
    _, bl = base
    moved = write_jsonl(tmp_path / "moved.jsonl", [NORM, EMPTY_B, GOOD[2], DUP, GOOD[1], DUP,
                                                   EMPTY_A, GOOD[0]])
    r, rep = baseline_run(moved, bl)
    assert rep["findings"] == [], rep["findings"]
    assert rep["summary"]["baselined"] == 4
    assert r.exit_code == 0


def test_inserted_record_is_the_only_new_finding(base, tmp_path):
    _, bl = base
    new_bad = chat("Translate 'cat' to French.", "")
    grown = write_jsonl(tmp_path / "grown.jsonl", [new_bad, GOOD[0], EMPTY_A, GOOD[3], DUP,
                                                   GOOD[1], DUP, EMPTY_B, NORM, GOOD[2]])
    r, rep = baseline_run(grown, bl)
    assert [(f["code"], f["location"]["line"]) for f in rep["findings"]] == [("C004", 1)]
    assert rep["summary"]["baselined"] == 4
    assert r.exit_code == 1


def test_a_third_copy_of_a_baselined_duplicate_is_new(base, tmp_path):
    _, bl = base
    more = write_jsonl(tmp_path / "more.jsonl", [GOOD[0], EMPTY_A, DUP, GOOD[1], DUP, EMPTY_B,
                                                 NORM, GOOD[2], DUP])
    _, rep = baseline_run(more, bl)
    # the cluster grew: it is another cluster than the one in the baseline
    assert [f["code"] for f in rep["findings"]] == ["D001"]


def test_fixing_one_leaves_the_others_hidden_and_counts_stale(base, tmp_path):
    _, bl = base
    fixed = write_jsonl(tmp_path / "fixed.jsonl", [GOOD[0], chat("Say hello to the team.",
                                                                 "Hello, team!"),
                                                   DUP, GOOD[1], DUP, EMPTY_B, NORM, GOOD[2]])
    r, rep = baseline_run(fixed, bl)
    assert rep["findings"] == []
    assert rep["summary"]["baselined"] == 3
    text = invoke("check", fixed, *CHEAP, "--isolated", "--baseline", bl)
    assert "3 findings hidden by the baseline. 1 baseline entry no longer found" in text.output


def test_invalid_json_lines_are_keyed_by_content_not_line(tmp_path):
    p = tmp_path / "t.jsonl"
    p.write_bytes(orjson.dumps(GOOD[0]) + b"\n{broken\n")
    bl = tmp_path / "b.json"
    assert invoke("check", p, *CHEAP, "--isolated", "--write-baseline", bl).exit_code == 0
    p.write_bytes(orjson.dumps(GOOD[1]) + b"\n" + orjson.dumps(GOOD[0]) + b"\n{broken\n")
    r, rep = baseline_run(p, bl)
    assert rep["findings"] == [] and rep["summary"]["baselined"] == 1
    assert r.exit_code == 0


def test_bad_baseline_file_is_a_usage_error(tmp_path):
    data = write_jsonl(tmp_path / "t.jsonl", GOOD)
    bad = tmp_path / "b.json"
    bad.write_text('{"findings": []}')
    r = invoke("check", data, *CHEAP, "--baseline", bad)
    assert r.exit_code == 2
    assert "not a datalint baseline file" in r.output
    bad.write_text('{"datalint_baseline": 99, "findings": []}')
    r = invoke("check", data, *CHEAP, "--baseline", bad)
    assert r.exit_code == 2 and "version 99" in r.output


def test_message_skeleton_drops_places_and_positions():
    a = message_skeleton("keep train.jsonl:12, drop data/x.jsonl#4 (line 7, rows 3-5)")
    b = message_skeleton("keep train.jsonl:99, drop data/x.jsonl#1 (line 2, rows 8-9)")
    assert a == b
    assert message_skeleton("only 12 records", numbers=True) == message_skeleton(
        "only 40 records", numbers=True)
    assert message_skeleton("answer is empty") == "answer is empty"


# -- diff -------------------------------------------------------------------------------------

def test_diff_reports_new_and_fixed_by_rule(tmp_path):
    old = write_jsonl(tmp_path / "old.jsonl", [GOOD[0], EMPTY_A, DUP, DUP, GOOD[1]])
    new = write_jsonl(tmp_path / "new.jsonl", [GOOD[1], DUP, GOOD[0], EMPTY_B, EMPTY_A,
                                               GOOD[2], DUP])
    r = invoke("diff", old, new, *CHEAP, "--isolated", "-f", "json")
    assert r.exit_code == 1, r.output
    d = orjson.loads(r.output)
    assert d["diff_version"] == 1
    assert [(f["code"], f["location"]["line"]) for f in d["added"]] == [("C004", 4)]
    assert d["removed"] == []
    assert d["records"] == {"old": 5, "new": 7, "added": 2, "removed": 0}
    rows = {row["code"]: row for row in d["by_rule"]}
    assert rows["C004"]["old"] == 1 and rows["C004"]["new"] == 2 and rows["C004"]["added"] == 1
    assert rows["D001"]["added"] == rows["D001"]["removed"] == 0
    assert d["worse"] and "1 new finding at error or above" in d["reasons"]


def test_diff_better_version_exits_0_and_lists_fixed(tmp_path):
    old = write_jsonl(tmp_path / "old.jsonl", [GOOD[0], EMPTY_A, DUP, DUP])
    new = write_jsonl(tmp_path / "new.jsonl", [DUP, GOOD[0]])
    r = invoke("diff", old, new, *CHEAP, "--isolated")
    assert r.exit_code == 0, r.output
    assert "findings: 2 -> 0 (0 new, 2 fixed)" in r.output
    assert "fixed findings:" in r.output and "empty-response" in r.output
    assert "records: 4 -> 2 (0 added, 2 removed)" in r.output


def test_diff_fail_on_level(tmp_path):
    old = write_jsonl(tmp_path / "old.jsonl", [GOOD[0], DUP])
    new = write_jsonl(tmp_path / "new.jsonl", [GOOD[0], DUP, DUP])  # a new warning only
    assert invoke("diff", old, new, *CHEAP, "--isolated").exit_code == 0
    r = invoke("diff", old, new, *CHEAP, "--isolated", "--fail-on", "warning")
    assert r.exit_code == 1
    assert "Worse at --fail-on warning: 1 new finding at warning or above." in r.output


def test_diff_reports_metric_moves(tmp_path):
    old = write_jsonl(tmp_path / "old.jsonl", GOOD)
    new = write_jsonl(tmp_path / "new.jsonl", GOOD[:2])
    r = invoke("diff", old, new, "--select", "S001", "--isolated", "-f", "json",
               "--option", "too-few-examples.min-records=4")
    d = orjson.loads(r.output)
    (m,) = [m for m in d["metrics"] if m["code"] == "S001"]
    assert (m["old"]["value"], m["new"]["value"]) == (6, 2)
    assert m["old"]["verdict"] != "fail" and m["new"]["verdict"] == "fail"
    assert m["now_failing"]


# -- clean ------------------------------------------------------------------------------------

def clean(inp, out, *extra):
    return invoke("clean", inp, "-o", out, *CHEAP, "--isolated", *extra)


def test_clean_jsonl_keeps_original_bytes_and_never_touches_input(tmp_path):
    lines = [orjson.dumps(GOOD[0]), b'{"messages": [ {"role":"user","content":"x?"}, '
             b'{"role":"assistant","content":"y."} ]}', orjson.dumps(DUP), b"{broken",
             orjson.dumps(EMPTY_A), orjson.dumps(DUP), orjson.dumps(NORM),
             "{\"text\": \"caf\u00e9 \u2014 ok\"}".encode()]
    inp = tmp_path / "in.jsonl"
    inp.write_bytes(b"\r\n".join(lines[:2]) + b"\n" + b"\n".join(lines[2:]))  # no final \n
    before = inp.read_bytes()
    os.utime(inp, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))
    mtime = inp.stat().st_mtime_ns
    out = tmp_path / "out.jsonl"
    r = clean(inp, out)
    assert r.exit_code == 0, r.output
    assert inp.read_bytes() == before and inp.stat().st_mtime_ns == mtime
    assert out.read_bytes() == (lines[0] + b"\r\n" + lines[1] + b"\n" + lines[2] + b"\n"
                                + lines[7] + b"\n")
    assert "kept 4 of 7 records, removed 3 and 1 unparsable line" in r.output
    for what in ("C004 empty-response", "D001 exact-duplicate", "D002 normalized-duplicate",
                 "F001 invalid-json"):
        assert what in r.output
    # the unparsable line is removed, not also reported as a defect of the whole file
    assert "Reported for the whole file" not in r.output


def test_clean_refuses_to_overwrite(tmp_path):
    inp = write_jsonl(tmp_path / "in.jsonl", [GOOD[0], DUP, DUP])
    before = inp.read_bytes()
    r = clean(inp, inp)
    assert r.exit_code == 2 and "never overwrites its input" in r.output
    r = clean(inp, tmp_path / "." / "in.jsonl", "--force")
    assert r.exit_code == 2 and inp.read_bytes() == before
    out = tmp_path / "out.jsonl"
    out.write_text("precious\n")
    r = clean(inp, out)
    assert r.exit_code == 2 and "--force" in r.output
    assert out.read_text() == "precious\n"
    assert clean(inp, out, "--force").exit_code == 0
    assert out.read_bytes() == jsonl_bytes(GOOD[0], DUP)


def test_clean_options_drop_level_and_keep_duplicates(tmp_path):
    warn = chat("Sign the letter.", "Regards, {{name}}")  # C002 unfilled-placeholder (warning)
    inp = write_jsonl(tmp_path / "in.jsonl", [GOOD[0], DUP, DUP, warn, EMPTY_A, *GOOD[1:3]])
    out = tmp_path / "a.jsonl"
    assert clean(inp, out, "--keep-duplicates").exit_code == 0
    assert out.read_bytes().count(orjson.dumps(DUP)) == 2
    assert orjson.dumps(warn) in out.read_bytes()
    assert orjson.dumps(EMPTY_A) not in out.read_bytes()
    r = clean(inp, tmp_path / "b.jsonl", "--drop-level", "warning")  # 3 of 7 go
    assert (tmp_path / "b.jsonl").read_bytes() == jsonl_bytes(GOOD[0], DUP, *GOOD[1:3]), r.output
    assert "C002 unfilled-placeholder" in r.output


def test_clean_keeps_another_copy_when_the_kept_one_is_dropped(tmp_path):
    # same turns (an exact duplicate), but the first copy names no known rule in its
    # suppression field: F011 invalid-suppression, a warning
    flagged = {**DUP, "_datalint_ignore": "no-such-rule"}
    inp = write_jsonl(tmp_path / "in.jsonl", [flagged, GOOD[0], DUP, DUP])
    r = clean(inp, tmp_path / "o.jsonl", "--drop-level", "warning")
    assert r.exit_code == 0, r.output
    assert (tmp_path / "o.jsonl").read_bytes() == jsonl_bytes(GOOD[0], DUP)
    assert "F011 invalid-suppression" in r.output


def test_clean_json_array(tmp_path):
    inp = tmp_path / "in.json"
    objs = [GOOD[0], DUP, EMPTY_A, DUP, {**GOOD[1], "id": "k", "score": 1.5}]
    inp.write_bytes(orjson.dumps(objs, option=orjson.OPT_INDENT_2))
    out = tmp_path / "out.json"
    assert clean(inp, out).exit_code == 0
    assert orjson.loads(out.read_bytes()) == [GOOD[0], DUP, objs[4]]


def test_clean_csv_preserves_rows(tmp_path):
    inp = tmp_path / "in.csv"
    rows = [["prompt", "completion"], ["Q1?", "A1."], ["Dup?", "Same."],
            ["Multi?", "line one\nline two."], ["Dup?", "Same."], ["Empty?", ""]]
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    inp.write_text(buf.getvalue(), newline="")
    out = tmp_path / "out.csv"
    r = clean(inp, out)
    assert r.exit_code == 0, r.output
    expect = io.StringIO()
    csv.writer(expect).writerows(rows[:4])
    assert out.read_bytes() == expect.getvalue().encode()
    assert "D001 exact-duplicate" in r.output


def test_clean_parquet(tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    table = pa.table({"prompt": ["Q1?", "Dup?", "Dup?", "Q2?"],
                      "completion": ["A1.", "Same.", "Same.", "A2."], "n": [1, 2, 3, 4]})
    inp = tmp_path / "in.parquet"
    pq.write_table(table, inp)
    out = tmp_path / "out.parquet"
    assert clean(inp, out).exit_code == 0
    got = pq.read_table(out)
    assert got.schema == table.schema
    assert got.column("n").to_pylist() == [1, 2, 4]


def test_clean_keeps_records_whose_every_completion_ends_with_a_token(tmp_path):
    # a suffix the export appended is one finding for the file: reported, nothing removed
    recs = [{"prompt": f"What is {i} plus {i}?", "completion": f" {i + i}.<|endoftext|>"}
            for i in range(30)]
    inp = write_jsonl(tmp_path / "in.jsonl", recs)
    out = tmp_path / "out.jsonl"
    r = clean(inp, out)
    assert r.exit_code == 0, r.output
    assert out.read_bytes() == inp.read_bytes()
    assert "kept 30 of 30 records, removed 0" in r.output
    assert "Reported for the whole file, no record removed for it" in r.output
    assert "C001 leaked-special-token: 30 of 30 records (100%)" in r.output


def _mostly_copies(tmp_path):
    recs = [DUP] * 18 + GOOD[:2]  # one cluster of 18: clean would drop 17 of 20
    return write_jsonl(tmp_path / "in.jsonl", recs)


def test_clean_stops_before_gutting_a_file(tmp_path):
    inp = _mostly_copies(tmp_path)
    out = tmp_path / "out.jsonl"
    r = invoke("clean", inp, "-o", out, "--select", "D001", "--isolated")
    assert r.exit_code == 1
    assert not out.exists()
    assert "would remove 17 of 20 records (85%), more than --max-drop 0.5 allows" in r.output
    assert "most for D001 exact-duplicate (17)" in r.output
    assert "one exact-duplicate cluster holds 18 of the records (90%)" in r.output
    assert "Nothing written" in r.output and "--max-drop 1" in r.output


def test_clean_max_drop_lets_it_through(tmp_path):
    inp = _mostly_copies(tmp_path)
    out = tmp_path / "out.jsonl"
    r = invoke("clean", inp, "-o", out, "--select", "D001", "--isolated", "--max-drop", "1")
    assert r.exit_code == 0, r.output
    assert out.read_bytes() == jsonl_bytes(DUP, *GOOD[:2])
    # a share the removals stay under (17 of 20 = 0.85) lets it through too; one they
    # exceed stops it
    assert invoke("clean", inp, "-o", tmp_path / "b.jsonl", "--select", "D001", "--isolated",
                  "--max-drop", "0.9").exit_code == 0
    assert invoke("clean", inp, "-o", tmp_path / "c.jsonl", "--select", "D001", "--isolated",
                  "--max-drop", "0.8").exit_code == 1
    r = invoke("clean", inp, "-o", tmp_path / "d.jsonl", "--isolated", "--max-drop", "1.5")
    assert r.exit_code == 2 and not (tmp_path / "d.jsonl").exists()


def test_clean_max_drop_default_is_the_documented_one():
    from datalint.workflows.clean import MAX_DROP

    (param,) = [p for p in main.commands["clean"].params if p.name == "max_drop"]
    assert param.default == MAX_DROP


# -- Python API -------------------------------------------------------------------------------

def test_python_api_lint_returns_a_report(tmp_path):
    data = write_jsonl(tmp_path / "train.jsonl", [GOOD[0], EMPTY_A, DUP, DUP])
    report = datalint.lint(data, select=["D001", "C004"])
    assert report.records == 4 and report.files == [str(data)]
    assert sorted(f.code for f in report.findings) == ["C004", "D001"]
    assert report.counts_by_severity()["error"] == 1
    assert report.exit_code("error") == 1 and report.exit_code("never") == 0
    errors = [f for f in report.findings if f.severity == "error"]
    assert errors[0].location.line == 2 and errors[0].location.field
    assert report.baselined is None


def test_python_api_with_a_baseline(base, tmp_path):
    data, bl = base
    report = datalint.lint(data, select=["D001", "D002", "F", "C"], baseline=bl)
    assert report.findings == [] and report.baselined == 4
    grown = write_jsonl(tmp_path / "grown.jsonl", [EMPTY_A, chat("Explain DNS.", ""), DUP, DUP])
    report = datalint.lint(grown, select=["D001", "D002", "F", "C"], baseline=bl)
    assert [(f.code, f.location.line) for f in report.findings] == [("C004", 2)]
    assert report.baselined == 2


# -- pre-commit -------------------------------------------------------------------------------

def test_pre_commit_hook_definition():
    yaml = pytest.importorskip("yaml")
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    (hook,) = hooks
    assert hook["id"] == "datalint" and hook["language"] == "python"
    assert hook["entry"] == "datalint check" and hook["require_serial"] is True
    import re

    pat = re.compile(hook["files"])
    for name in ("train.jsonl", "data/a.json", "x.csv", "y.parquet", "z.jsonl.gz"):
        assert pat.search(name), name
    for name in ("README.md", "a.py", "notes.txt"):
        assert not pat.search(name), name
    for name in ("web/package.json", "datalint-baseline.json", "data/datalint-baseline.json"):
        assert re.search(hook["exclude"], name), name
    assert not re.search(hook["exclude"], "data/train.json")


def test_the_baseline_file_is_not_linted_as_data(tmp_path):
    data = write_jsonl(tmp_path / "train.json", [GOOD[0], EMPTY_A])
    bl = tmp_path / "datalint-baseline.json"
    assert invoke("check", data, *CHEAP, "--isolated", "--write-baseline", bl).exit_code == 0
    # as a hook passes it: every staged .json file, the baseline among them
    r = invoke("check", data, bl, *CHEAP, "--isolated", "--baseline", bl)
    assert r.exit_code == 0, r.output
    assert "1 finding hidden by the baseline." in r.output


def test_clean_keeps_hard_negatives_and_drops_a_near_copy(tmp_path):
    ask = ("Write a Python function that converts a temperature given in {} to {}, rounds the "
           "result to one decimal place and prints a short message with the value.")
    done = ("Here is a function that converts {} to {}, rounds the result to one decimal "
            "place and prints a short message with the converted value for the user.")
    f_to_c = chat(ask.format("Fahrenheit", "Celsius"), done.format("Fahrenheit", "Celsius"))
    c_to_f = chat(ask.format("Celsius", "Fahrenheit"), done.format("Celsius", "Fahrenheit"))
    rank = ("Rank the following countries from the largest to the smallest by their total "
            "population in the latest census: {}.")
    said = "From the largest to the smallest by total population in the latest census: {}."
    by_a = chat(rank.format("China, India, Brazil"), said.format("India, China, Brazil"))
    by_b = chat(rank.format("Qatar, Norway, Chile"), said.format("Chile, Norway, Qatar"))
    gears = ("Describe how the gears of a bicycle let a rider climb steep hills without "
             "getting tired {} quickly.")
    answer = ("A chain links the front chainring to a set of rear cogs, and a larger rear cog "
              "trades speed for pedalling force, so steep hills need less effort.")
    near_a, near_b = chat(gears.format("too"), answer), chat(gears.format("so"), answer)
    inp = write_jsonl(tmp_path / "in.jsonl", [f_to_c, c_to_f, by_a, by_b, near_a, near_b])
    r = invoke("clean", inp, "-o", tmp_path / "out.jsonl", "--select", "D005", "--isolated",
               "--drop-level", "warning")
    assert r.exit_code == 0, r.output
    assert (tmp_path / "out.jsonl").read_bytes() == jsonl_bytes(f_to_c, c_to_f, by_a, by_b,
                                                                near_a)
