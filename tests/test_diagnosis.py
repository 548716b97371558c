"""The diagnosis: evidence mapped to causes by rule name, the verdict, and its outputs."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from datalint.cli import main
from datalint.report.diagnosis import CAUSES, cause_of, diagnose
from datalint.io.record import Location
from datalint.registry import all_rules
from datalint.report.model import Finding, InputError, Metric, Report, RuleError, Skipped

from .helpers import write_jsonl

LOC = Location("train.jsonl", 3, 2, None, None)

# one rule per cause that triggers it, as (code, name, evidence kind)
TRIGGERS = {
    "low-quality": ("C004", "empty-response", "finding"),
    "memorisation": ("D001", "exact-duplicate", "finding"),
    "noisy-supervision": ("D008", "contradiction", "finding"),
    "forgetting": ("T007", "no-general-mix", "finding"),
    "style-over-task": ("Y001", "style-collapse", "metric"),
    "production-mismatch": ("M001", "production-coverage", "metric"),
    "misleading-evals": ("D009", "train-eval-overlap", "finding"),
}


def _report(findings=(), metrics=(), skipped=(), rules_run=(), **kw) -> Report:
    return Report(findings=list(findings), metrics=list(metrics), skipped=list(skipped),
                  files=["train.jsonl"], records=10, rules_run=list(rules_run), **kw)


def _evidence(code, name, kind, severity="warning", verdict="fail"):
    if kind == "finding":
        return {"findings": [Finding(code, name, severity, "msg", LOC)]}
    return {"metrics": [Metric(code, name, 0.1, 0.5, verdict, severity, "measured")]}


def test_every_cause_has_a_trigger_and_every_listed_rule_is_unique():
    assert set(TRIGGERS) == {c.id for c in CAUSES}
    names = [r for c in CAUSES for r in c.rules]
    assert len(names) == len(set(names)), "a rule joins one cause"


def test_every_builtin_rule_joins_a_cause_except_privacy():
    for r in all_rules():
        if r.family() == "privacy":
            assert cause_of(r.name, r.code) is None
        else:
            assert cause_of(r.name, r.code) is not None, r.name


@pytest.mark.parametrize("cause", sorted(TRIGGERS))
def test_each_cause_triggered(cause):
    code, name, kind = TRIGGERS[cause]
    d = diagnose(_report(**_evidence(code, name, kind), rules_run=[code]))
    got = {c.id: c for c in d.causes}
    assert got[cause].status == "found"
    assert got[cause].severity == "warning"
    assert [e.code for e in got[cause].evidence] == [code]
    assert all(c.status != "found" for c in d.causes if c.id != cause)
    assert got[cause].fix


@pytest.mark.parametrize("cause", sorted(TRIGGERS))
def test_each_cause_not_triggered_by_a_passed_metric(cause):
    code, name, _ = TRIGGERS[cause]
    d = diagnose(_report(**_evidence(code, name, "metric", verdict="pass"), rules_run=[code]))
    assert {c.id: c.status for c in d.causes}[cause] != "found"
    assert d.verdict == "ready"


def test_rule_joins_by_name_not_code():
    # a production rule the colleague has not written yet, with an unknown code
    d = diagnose(_report(findings=[Finding("Q123", "length-mismatch", "warning", "m", LOC)]))
    assert {c.id: c.status for c in d.causes}["production-mismatch"] == "found"


def test_unlisted_rule_joins_by_family_and_unknown_goes_to_other():
    d = diagnose(_report(findings=[Finding("V099", "new-diversity-rule", "warning", "m", LOC),
                                   Finding("X001", "mystery", "warning", "m", LOC),
                                   Finding("P001", "pii", "warning", "m", LOC)]))
    assert {c.id: c.status for c in d.causes}["forgetting"] == "found"
    assert [e.code for e in d.other] == ["P001", "X001"]


def test_finding_and_metric_of_one_rule_are_one_piece_of_evidence():
    d = diagnose(_report(findings=[Finding("Y002", "signature-phrases", "warning", "m", LOC)] * 2,
                         metrics=[Metric("Y002", "signature-phrases", 0.9, 0.15, "fail")]))
    style = next(c for c in d.causes if c.id == "style-over-task")
    assert len(style.evidence) == 1
    ev = style.evidence[0]
    assert (ev.count, ev.value, ev.threshold) == (2, 0.9, 0.15)
    assert "3 warnings" not in " ".join(d.reasons)  # the metric is not counted again


def test_not_checked_vs_clear():
    d = diagnose(_report(skipped=[Skipped("D009", "train-eval-overlap", "no eval set")],
                         rules_run=["D009", "D008"]))
    status = {c.id: c for c in d.causes}
    assert status["misleading-evals"].status == "not-checked"
    assert status["misleading-evals"].skipped[0]["reason"] == "no eval set"
    assert status["noisy-supervision"].status == "clear"
    assert status["noisy-supervision"].checked == ["D008"]
    assert status["production-mismatch"].status == "not-checked"
    assert any("not checked" in r and "misleading evals" in r for r in d.reasons)


# -- the verdict ------------------------------------------------------------------------------

def test_verdict_ready_when_clean_or_info_only():
    assert diagnose(_report()).verdict == "ready"
    info = Finding("D003", "duplicate-prompt", "info", "m", LOC)
    assert diagnose(_report(findings=[info])).verdict == "ready"


def test_verdict_review_on_warnings():
    assert diagnose(_report(**_evidence("D001", "exact-duplicate", "finding"))).verdict == "review"
    assert diagnose(_report(**_evidence("Y001", "style-collapse", "metric"))).verdict == "review"


def test_verdict_fix_on_errors_crashes_and_input_errors():
    assert diagnose(_report(**_evidence("C004", "empty-response", "finding", "error"))
                    ).verdict == "fix"
    assert diagnose(_report(**_evidence("T002", "learning-rate-too-high", "metric", "error"))
                    ).verdict == "fix"
    crash = RuleError("D006", "semantic-duplicate", "boom", "tb")
    assert diagnose(_report(errors=[crash])).verdict == "fix"
    assert diagnose(_report(input_errors=[InputError("x.jsonl", "gone")])).verdict == "fix"


def test_verdict_matches_exit_code_at_default_fail_on():
    for ev in (_evidence("C004", "empty-response", "finding", "error"),
               _evidence("D001", "exact-duplicate", "finding", "warning"), {}):
        r = _report(**ev)
        assert (diagnose(r).verdict == "fix") == (r.exit_code("error") != 0)


# -- outputs --------------------------------------------------------------------------------

def _bad_file(tmp_path):
    return write_jsonl(tmp_path / "train.jsonl", [
        {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": ""}]},
        {"messages": [{"role": "user", "content": "Hello there"},
                      {"role": "assistant", "content": "Hello! How can I help?"}]}])


def test_text_report_opens_with_verdict_and_shows_diagnosis(tmp_path):
    res = CliRunner().invoke(main, ["check", str(_bad_file(tmp_path)), "--select", "C,S",
                                    "--no-color"])
    assert res.output.startswith("Verdict: FIX BEFORE TRAINING")
    assert "Diagnosis: will fine-tuning on this make the model worse" in res.output
    assert "Too little or low-quality data (error)" in res.output


def test_explain_prints_only_the_diagnosis(tmp_path):
    res = CliRunner().invoke(main, ["explain", str(_bad_file(tmp_path)), "--select", "C,S"])
    assert res.exit_code == 1
    assert res.output.startswith("Verdict: FIX BEFORE TRAINING")
    assert "fix:" in res.output and "why:" in res.output
    assert "C004  empty-response" not in res.output  # no finding list


def test_json_has_diagnosis_and_keeps_existing_keys(tmp_path):
    res = CliRunner().invoke(main, ["check", str(_bad_file(tmp_path)), "--select", "C,S",
                                    "-f", "json"])
    data = json.loads(res.output)
    assert {"schema_version", "tool", "summary", "files", "findings", "metrics", "skipped",
            "rule_errors", "input_errors", "diagnosis"} <= set(data)
    diag = data["diagnosis"]
    assert diag["verdict"] == "fix" and diag["verdict_label"] == "fix before training"
    low = next(c for c in diag["causes"] if c["id"] == "low-quality")
    assert low["status"] == "found" and low["severity"] == "error"
    assert {e["name"] for e in low["evidence"]} >= {"empty-response"}
    assert set(low["evidence"][0]) == {"code", "name", "severity", "findings", "metric_value",
                                       "metric_threshold", "message"}


def test_every_rule_a_cause_names_exists():
    names = {r.name for r in all_rules()}
    unknown = [(c.id, r) for c in CAUSES for r in c.rules if r not in names]
    assert not unknown, unknown
