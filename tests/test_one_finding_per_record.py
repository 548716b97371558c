"""A record rule reports a record once, however many of its fields show the defect."""

from datalint.io.record import Location
from datalint.pipeline.record_pass import merge_fields
from datalint.report.model import Finding

from .helpers import lint_records


def _finding(code, index, field, severity="warning", message="m"):
    return Finding(code, code.lower(), severity, message, Location("d.jsonl", index + 1, index,
                                                                    None, field))


def test_fields_of_one_record_give_one_finding(tmp_path):
    rec = {"instruction": "Translate the caf\ufffd menu.", "input": "Cr\ufffdpe, tea.",
           "output": "Crepe, tea."}
    other = {"instruction": "Summarise the r\ufffdsum\ufffd.", "input": "",
             "output": "A short summary."}
    report = lint_records(tmp_path, [rec, other], select=["C005"])
    by_line = {}
    for f in report.findings:
        by_line.setdefault(f.location.line, []).append(f)
    assert sorted(by_line) == [1, 2]
    (first,), (second,) = by_line[1], by_line[2]
    assert first.location.field == "instruction"
    assert first.message.endswith("(also in `input`)")
    assert first.data["also_in"] == ["input"]
    assert "also in" not in second.message and not (second.data or {}).get("also_in")


def test_merge_keeps_the_worst_level_and_leaves_other_rules_and_records_alone():
    findings = [_finding("C001", 0, "instruction"),  # found before this batch: untouched
                _finding("C002", 0, "instruction"), _finding("C002", 0, "input", "error", "k"),
                _finding("C002", 0, "input", "warning", "m"),
                _finding("C002", 0, "input", "error", "k"), _finding("P001", 0, "input"),
                _finding("C002", 1, "output"),
                Finding("C002", "c002", "warning", "dataset", Location("d.jsonl"))]
    merge_fields(findings, 1)
    assert [(f.code, f.location.index) for f in findings] == [
        ("C001", 0), ("C002", 0), ("P001", 0), ("C002", 1), ("C002", None)]
    merged = findings[1]
    # the most severe finding gives the place; the same field's other message is added once,
    # the other field is named
    assert merged.severity == "error" and merged.location.field == "input"
    assert merged.message == "k; m; `instruction`: m"
    assert merged.data == {"also_in": ["instruction"]}
    assert findings[0].message == findings[2].message == findings[3].message == "m"


def test_another_defect_on_another_field_keeps_its_words():
    findings = [_finding("P001", 0, "instruction", "warning", "e-mail address"),
                _finding("P001", 0, "output", "error", "API key"),
                _finding("P001", 0, "input", "error", "API key")]
    merge_fields(findings, 0)
    (f,) = findings
    assert (f.severity, f.location.field) == ("error", "output")
    assert f.message == "API key; `instruction`: e-mail address (also in `input`)"
    assert f.data == {"also_in": ["instruction", "input"]}
