"""Hostile and broken input through the real command line.

Every case asserts what a user relies on: no traceback, a finding or a one-line error that
names the file (and the line where there is one), the documented exit code (0 clean, 1
findings, 2 usage or input error, 3 a rule crashed), and the input file left byte-for-byte
unchanged.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from datalint import registry
from datalint.cli import main
from datalint.io.readers import Source
from datalint.rule import RecordRule

from .conftest import ROOT

GOOD = {"messages": [{"role": "user", "content": "How do I reset my router?"},
                     {"role": "assistant", "content": "Hold the reset button for ten seconds, "
                                                      "then wait for the lights to settle."}]}
GOOD_LINE = orjson.dumps(GOOD) + b"\n"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7"
       b"5\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def cli(*args: object, files: tuple[Path, ...] = ()):
    """Run ``datalint check`` in-process; assert no traceback and the files unchanged."""
    before = {f: digest(f) for f in files}
    r = CliRunner().invoke(main, ["check", "--isolated", *map(str, args)],
                           catch_exceptions=False)
    assert "Traceback" not in r.output
    assert "internal error" not in r.output
    for f, h in before.items():
        assert digest(f) == h, f"{f} was modified"
    return r


def lint(path: Path, *args: object, select: str = "format"):
    return cli("--select", select, *args, path, files=(path,))


# -- encodings and bytes --------------------------------------------------------------------

def test_empty_file(tmp_path):
    p = tmp_path / "train.jsonl"
    p.write_bytes(b"")
    r = lint(p)
    assert r.exit_code == 0  # empty-file is a warning
    assert "train.jsonl" in r.output and "empty-file" in r.output


def test_whitespace_only_file(tmp_path):
    p = tmp_path / "train.jsonl"
    p.write_bytes(b"\n \n\r\n\t\n" * 5000)  # larger than the sniffed head
    r = lint(p)
    assert r.exit_code == 0 and "empty-file" in r.output


def test_binary_file_named_jsonl(tmp_path):
    p = tmp_path / "train.jsonl"
    p.write_bytes(PNG)
    r = lint(p)
    assert r.exit_code == 1
    assert "train.jsonl" in r.output and "binary content" in r.output


@pytest.mark.parametrize("name", ["train.json", "train.csv"])
def test_binary_file_other_suffixes(tmp_path, name):
    p = tmp_path / name
    p.write_bytes(PNG * 20)
    r = lint(p)
    assert r.exit_code == 1 and "binary content" in r.output and name in r.output


@pytest.mark.parametrize("bom,codec", [(codecs.BOM_UTF16_LE, "utf-16-le"),
                                       (codecs.BOM_UTF16_BE, "utf-16-be")])
def test_utf16_with_bom_is_read_and_reported(tmp_path, bom, codec):
    p = tmp_path / "train.jsonl"
    p.write_bytes(bom + (GOOD_LINE.decode() * 3).encode(codec))
    r = lint(p)
    assert r.exit_code == 0  # a warning: the records are still read and linted
    assert "train.jsonl:1" in r.output and "UTF-16" in r.output
    assert "3 records" in r.output


def test_utf16_without_bom(tmp_path):
    p = tmp_path / "train.jsonl"
    p.write_bytes((GOOD_LINE.decode() * 2).encode("utf-16-le"))
    r = lint(p)
    assert "UTF-16-LE without a byte-order mark" in r.output
    assert "2 records" in r.output


def test_utf8_bom(tmp_path):
    p = tmp_path / "train.jsonl"
    p.write_bytes(codecs.BOM_UTF8 + GOOD_LINE * 2)
    r = lint(p)
    assert r.exit_code == 0
    assert "train.jsonl:1" in r.output and "byte-order mark" in r.output
    assert "2 records" in r.output


def test_utf8_bom_in_json_and_csv(tmp_path):
    j = tmp_path / "a.json"
    j.write_bytes(codecs.BOM_UTF8 + orjson.dumps([GOOD, GOOD]))
    c = tmp_path / "b.csv"
    c.write_bytes(codecs.BOM_UTF8 + b"prompt,completion\nHi,Hello\n")
    for p, n in ((j, 2), (c, 1)):
        r = lint(p)
        assert r.exit_code == 0 and "byte-order mark" in r.output and f"{n} record" in r.output


def test_invalid_utf8_names_line_and_column(tmp_path):
    p = tmp_path / "train.jsonl"
    p.write_bytes(GOOD_LINE + b'{"text": "caf\xe9"}\n' + GOOD_LINE)
    r = lint(p)
    assert r.exit_code == 1
    assert "train.jsonl:2" in r.output and "invalid UTF-8 byte 0xe9" in r.output
    assert "2 records" in r.output


def test_nul_byte_inside_a_line(tmp_path):
    p = tmp_path / "train.jsonl"
    bad = GOOD_LINE[:20] + b"\x00" + GOOD_LINE[20:]
    p.write_bytes(GOOD_LINE + bad + GOOD_LINE)
    r = lint(p)
    assert r.exit_code == 1
    assert "train.jsonl:2" in r.output and "NUL byte at column 21" in r.output
    assert "2 records" in r.output


def test_utf16_decode_error_midway(tmp_path):
    p = tmp_path / "train.jsonl"
    # a BOM, two good lines, then a lone high surrogate: not valid UTF-16
    p.write_bytes(codecs.BOM_UTF16_LE + (GOOD_LINE.decode() * 2).encode("utf-16-le")
                  + b"\x00\xd8A\x00\n\x00")
    r = lint(p)
    assert r.exit_code == 1 and "train.jsonl:3" in r.output
    assert "invalid UTF-16: a lone surrogate" in r.output and "2 records" in r.output


# -- huge, deep and odd JSON ----------------------------------------------------------------

def _big_record(mb: int) -> bytes:
    sentence = "The committee reviewed the budget and approved it after a long debate. "
    body = sentence * (mb * 1024 * 1024 // len(sentence))
    return orjson.dumps({"messages": [{"role": "user", "content": "Summarise the minutes."},
                                      {"role": "assistant", "content": body}]}) + b"\n"


def _maxrss_run(args: list[str]) -> tuple[subprocess.CompletedProcess, int]:
    """Run the real CLI in a subprocess and return its peak resident memory (KiB)."""
    code = ("import atexit, resource, sys\n"
            "atexit.register(lambda: sys.stderr.write('MAXRSS %d\\n' % "
            "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))\n"
            "from datalint.cli import main\n"
            f"sys.argv = ['datalint', *{args!r}]\n"
            "main()\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                       timeout=120)
    rss = int(r.stderr.rsplit("MAXRSS ", 1)[1].split()[0])
    return r, rss


def test_fifty_megabyte_line(tmp_path):
    p = tmp_path / "train.jsonl"
    p.write_bytes(GOOD_LINE + _big_record(50) + GOOD_LINE)
    before = digest(p)
    r, rss = _maxrss_run(["check", "--isolated", "--select", "format", str(p)])
    assert "Traceback" not in r.stdout + r.stderr
    assert r.returncode == 0, r.stdout + r.stderr
    assert "3 records" in r.stdout
    # the line is 50 MB: the bytes, the parsed string and the interpreter fit well under 10x
    assert rss < 500 * 1024, f"peak memory {rss / 1024:.0f} MiB"
    # over --max-line-bytes it is reported with its line number, and skipped
    r = cli("--select", "format", "--max-line-bytes", 1 << 20, p, files=(p,))
    assert r.exit_code == 1
    assert "train.jsonl:2" in r.output and "over the 1 MB line limit" in r.output
    assert "2 records" in r.output
    assert digest(p) == before


def test_fifty_megabyte_line_all_rules(tmp_path):
    """Every record rule on one 50 MB answer: finishes, no crash."""
    p = tmp_path / "train.jsonl"
    p.write_bytes(_big_record(50))
    r, _ = _maxrss_run(["check", "--isolated", "--fail-on", "never", str(p)])
    assert "Traceback" not in r.stdout + r.stderr and "rule crashed" not in r.stdout
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.parametrize("text", ["[" * 10_000 + "]" * 10_000,
                                  '{"a":' * 10_000 + "1" + "}" * 10_000])
def test_deeply_nested_json_line(tmp_path, text):
    p = tmp_path / "train.jsonl"
    p.write_bytes(GOOD_LINE + text.encode() + b"\n")
    r = lint(p)
    assert r.exit_code == 1
    assert "train.jsonl:2" in r.output and "nested too deeply" in r.output


def test_deeply_nested_json_file(tmp_path):
    p = tmp_path / "train.json"
    p.write_bytes(b"[" * 10_000 + b"]" * 10_000)
    r = lint(p)
    assert r.exit_code == 1 and "train.json:1" in r.output and "nested too deeply" in r.output


def test_lines_that_are_not_objects(tmp_path):
    p = tmp_path / "train.jsonl"
    p.write_bytes(GOOD_LINE + b"[1, 2, 3]\n42\n\"just a string\"\nnull\ntrue\n")
    r = lint(p)
    assert r.exit_code == 1
    for line, kind in ((2, "array"), (3, "number"), (4, "string"), (5, "null"), (6, "boolean")):
        assert f"train.jsonl:{line}  F006 wrong-type  record is a JSON {kind}" in r.output


def test_non_string_content(tmp_path):
    p = tmp_path / "train.jsonl"
    recs = [{"messages": [{"role": "user", "content": 42},
                          {"role": "assistant", "content": {"a": 1}}]},
            {"messages": [{"role": "user", "content": ["a", 1]},
                          {"role": "assistant", "content": None}]},
            {"instruction": 3.5, "input": [], "output": False},
            {"messages": "not a list"},
            {"messages": [{"role": 7, "content": "x"}, "oops"]}]
    p.write_bytes(b"".join(orjson.dumps(x) + b"\n" for x in recs))
    r = lint(p)
    assert r.exit_code == 1
    assert "train.jsonl:1" in r.output and "messages[0].content` is a number" in r.output
    for line in (2, 3, 4, 5):
        assert f"train.jsonl:{line}" in r.output
    # every other rule survives the same records
    r = cli("--fail-on", "never", p, files=(p,))
    assert r.exit_code == 0, r.output
    assert "rule crashed" not in r.output


# -- files that vanish or cannot be read ----------------------------------------------------

def test_path_that_does_not_exist(tmp_path):
    r = cli(tmp_path / "missing.jsonl")
    assert r.exit_code == 2
    assert "missing.jsonl" in r.output and "no such file" in r.output


def test_folder_named_like_a_data_file(tmp_path):
    d = tmp_path / "x.jsonl"
    d.mkdir()
    r = cli(d)
    assert r.exit_code == 2 and "x.jsonl" in r.output


def test_file_vanishes_between_discovery_and_reading(tmp_path, monkeypatch):
    import datalint.pipeline.read as engine

    d = tmp_path / "data"
    d.mkdir()
    keep, gone = d / "a.jsonl", d / "b.jsonl"
    keep.write_bytes(GOOD_LINE + b"[1]\n")
    gone.write_bytes(GOOD_LINE)
    real_discover = engine.discover

    def discover_then_delete(paths):
        found = real_discover(paths)
        gone.unlink()
        return found

    monkeypatch.setattr(engine, "discover", discover_then_delete)
    r = cli("--select", "format", d, files=(keep,))
    assert r.exit_code == 2  # an input error outranks findings
    assert "b.jsonl" in r.output and "vanished" in r.output
    assert "a.jsonl:2" in r.output and "wrong-type" in r.output  # the other file was linted


def test_source_that_is_a_directory(tmp_path, monkeypatch):
    import datalint.pipeline.read as engine

    d = tmp_path / "x.jsonl"
    d.mkdir()
    monkeypatch.setattr(engine, "discover", lambda paths: [Source(str(d), "jsonl")])
    r = cli(tmp_path)
    assert r.exit_code == 2 and "x.jsonl" in r.output and "is a folder" in r.output


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                    reason="root can read a mode-000 file")
def test_unreadable_file(tmp_path):
    p = tmp_path / "train.jsonl"
    p.write_bytes(GOOD_LINE)
    p.chmod(0)
    try:
        r = cli(p)
        assert r.exit_code == 2 and "train.jsonl" in r.output and "permission" in r.output
    finally:
        p.chmod(0o644)


def test_truncated_gzip(tmp_path):
    import gzip

    p = tmp_path / "train.jsonl.gz"
    p.write_bytes(gzip.compress(GOOD_LINE * 2000)[:500])
    r = lint(p)
    assert r.exit_code == 2
    assert "train.jsonl.gz" in r.output and "read failed" in r.output


# -- no input readable: one line per input on stderr, no report ------------------------------

def _invoke(*args: object):
    return CliRunner().invoke(main, [*map(str, args)], catch_exceptions=False)


def _error_lines(r) -> list[str]:
    return [line for line in r.stderr.splitlines() if line]


@pytest.mark.parametrize("command", [["check"], ["explain"], ["check", "--format", "json"],
                                     ["check", "--format", "sarif"],
                                     ["check", "--statistics"]])
def test_missing_path_is_one_line_on_stderr_and_no_report(tmp_path, command):
    r = _invoke(*command, "--isolated", tmp_path / "missing.jsonl")
    assert r.exit_code == 2
    assert r.stdout == ""  # no report, no verdict
    lines = _error_lines(r)
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith(f"datalint: error: {tmp_path / 'missing.jsonl'}: no such file")


def test_empty_folder_and_folder_without_data_files(tmp_path):
    empty, notes = tmp_path / "empty", tmp_path / "notes"
    empty.mkdir()
    notes.mkdir()
    (notes / "README.md").write_text("not data\n")
    r = _invoke("check", "--isolated", empty, notes)
    assert r.exit_code == 2 and r.stdout == ""
    lines = _error_lines(r)
    assert lines == [f"datalint: error: {empty}: folder holds no data files (.jsonl, .ndjson, "
                     ".json, .csv, .tsv, .parquet, or a saved dataset)",
                     f"datalint: error: {notes}: folder holds no data files (.jsonl, .ndjson, "
                     ".json, .csv, .tsv, .parquet, or a saved dataset)"]


def test_unreadable_file_alone_is_one_line_on_stderr(tmp_path, monkeypatch):
    import datalint.pipeline.read as read

    p = tmp_path / "train.jsonl"
    p.write_bytes(GOOD_LINE)

    def refuse(src, max_line_bytes):
        raise PermissionError(13, "Permission denied")
        yield  # a generator, like read_source

    monkeypatch.setattr(read, "read_source", refuse)
    r = _invoke("check", "--isolated", "-o", tmp_path / "report.json", "-f", "json", p)
    assert r.exit_code == 2 and r.stdout == ""
    assert _error_lines(r) == [f"datalint: error: {p}: read failed ([Errno 13] Permission "
                               "denied)"]
    assert not (tmp_path / "report.json").exists()  # no report written either


def test_some_inputs_unreadable_lints_the_rest_and_reports_each_on_stderr(tmp_path):
    good = tmp_path / "train.jsonl"
    good.write_bytes(GOOD_LINE + b"[1]\n")
    missing = tmp_path / "missing.jsonl"
    r = _invoke("check", "--isolated", "--select", "format", good, missing)
    assert r.exit_code == 2  # never 0 while an input could not be read
    assert "train.jsonl:2" in r.stdout and "wrong-type" in r.stdout  # the rest is linted
    assert "1 input could not be read" in r.stdout  # and the verdict says so
    lines = _error_lines(r)
    assert len(lines) == 1 and lines[0].startswith(f"datalint: error: {missing}: no such file")


def test_write_baseline_of_nothing_writes_no_baseline(tmp_path):
    baseline = tmp_path / "baseline.json"
    r = _invoke("check", "--isolated", tmp_path / "missing.jsonl", "--write-baseline", baseline)
    assert r.exit_code == 2 and r.stdout == ""
    assert len(_error_lines(r)) == 1 and "missing.jsonl" in r.stderr
    assert not baseline.exists()


def test_diff_with_a_missing_side_is_one_line_on_stderr(tmp_path):
    good = tmp_path / "train.jsonl"
    good.write_bytes(GOOD_LINE)
    r = _invoke("diff", "--isolated", "--select", "format", tmp_path / "old.jsonl", good)
    assert r.exit_code == 2 and r.stdout == ""  # nothing to compare: no "not worse"
    lines = _error_lines(r)
    assert len(lines) == 1 and lines[0].startswith(f"datalint: error: {tmp_path / 'old.jsonl'}")


def test_lint_api_says_when_nothing_was_read(tmp_path):
    from datalint import lint as api_lint

    good = tmp_path / "train.jsonl"
    good.write_bytes(GOOD_LINE)
    assert api_lint(tmp_path / "missing.jsonl", select=["format"]).nothing_read
    assert not api_lint([good, tmp_path / "missing.jsonl"], select=["format"]).nothing_read
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    assert not api_lint(empty, select=["format"]).nothing_read  # read: it has no records


# -- usage errors ---------------------------------------------------------------------------

def test_config_with_unknown_key(tmp_path):
    (tmp_path / "datalint.toml").write_text('selekt = ["format"]\n')
    p = tmp_path / "train.jsonl"
    p.write_bytes(GOOD_LINE)
    r = CliRunner().invoke(main, ["check", str(p)], catch_exceptions=False)
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert "datalint.toml" in r.output and "did you mean 'select'" in r.output


def test_config_with_unknown_selector(tmp_path):
    (tmp_path / "datalint.toml").write_text('ignore = ["invalid-jsn"]\n')
    p = tmp_path / "train.jsonl"
    p.write_bytes(GOOD_LINE)
    r = CliRunner().invoke(main, ["check", str(p)], catch_exceptions=False)
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert "datalint.toml" in r.output and "did you mean 'invalid-json'" in r.output


def test_config_that_is_not_toml(tmp_path):
    cfg = tmp_path / "datalint.toml"
    cfg.write_bytes(b"select = [\x00\xff\n")
    p = tmp_path / "train.jsonl"
    p.write_bytes(GOOD_LINE)
    r = CliRunner().invoke(main, ["check", str(p)], catch_exceptions=False)
    assert r.exit_code == 2 and "Traceback" not in r.output and "datalint.toml" in r.output


def test_unknown_select_value(tmp_path):
    p = tmp_path / "train.jsonl"
    p.write_bytes(GOOD_LINE)
    r = cli("--select", "wrong-typ", p, files=(p,))
    assert r.exit_code == 2
    assert "did you mean 'wrong-type'" in r.output


# -- a rule that crashes --------------------------------------------------------------------

class _Crashing(RecordRule):
    """A rule that raises on every record (test only)."""

    code = "C999"
    name = "crashing-rule"
    summary = "raises"
    severity = "warning"

    def check(self, record):
        raise RuntimeError("boom on purpose")


def test_crashing_rule_exit_3_others_still_report(tmp_path, monkeypatch):
    rules = registry.all_rules()
    monkeypatch.setattr(registry, "all_rules", lambda: (*rules, _Crashing))
    p = tmp_path / "train.jsonl"
    p.write_bytes(GOOD_LINE + b"[1]\n" + GOOD_LINE)
    r = cli("--select", "format,crashing-rule", p, files=(p,))
    assert r.exit_code == 3
    assert "rule crashed: C999 crashing-rule: RuntimeError: boom on purpose" in r.output
    assert "train.jsonl:2  F006 wrong-type" in r.output  # the other rules still ran
    assert "3 records" in r.output


# -- the real process -----------------------------------------------------------------------

@pytest.mark.parametrize("name,data,code", [
    ("png.jsonl", PNG, 1),
    ("u16.jsonl", codecs.BOM_UTF16_LE + GOOD_LINE.decode().encode("utf-16-le"), 0),
    ("deep.jsonl", b"[" * 10_000 + b"]" * 10_000 + b"\n", 1),
    ("empty.jsonl", b"", 0),
])
def test_subprocess_no_traceback(tmp_path, name, data, code):
    p = tmp_path / name
    p.write_bytes(data)
    exe = Path(sys.executable).parent / "datalint"
    r = subprocess.run([str(exe), "check", "--isolated", "--select", "format", str(p)],
                       capture_output=True, text=True, timeout=60)
    assert "Traceback" not in r.stdout + r.stderr
    assert r.returncode == code, r.stdout + r.stderr
    assert name in r.stdout
    assert p.read_bytes() == data


def test_eval_folder_keeps_what_was_read_before_a_bad_file(tmp_path):
    """An eval or production folder with one unreadable file: the records of the files read
    before it are kept (the file is an input error)."""
    from datalint.config import Config
    from datalint.pipeline.engine import Engine
    from datalint.report.model import Report

    folder = tmp_path / "evals"
    folder.mkdir()
    (folder / "a.jsonl").write_bytes(GOOD_LINE * 2)
    (folder / "b.parquet").write_bytes(b"not a parquet file at all")
    report = Report()
    records = Engine(Config()).read_records([str(folder)], report)
    assert len(records) == 2
    assert [Path(e.path).name for e in report.input_errors] == ["b.parquet"]
