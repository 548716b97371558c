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


# -- could not judge: never a ✓ ------------------------------------------------------------

def _unmeasured(code, name, message):
    return Metric(code, name, 0.0, None, "info", "warning", message)


def _forgetting_report(v001_verdict="info", **kw) -> Report:
    v001 = (_unmeasured("V001", "low-lexical-diversity", "too little answer text to measure")
            if v001_verdict == "info" else
            Metric("V001", "low-lexical-diversity", 3.0, 4.0, "pass", "warning", "ok"))
    v004 = _unmeasured("V004", "length-collapse", "only 3 answers: too few to judge their lengths")
    return _report(metrics=[v001, v004], rules_run=["V001", "V004", "D008"], **kw)


def _cause(d, cause_id):
    return next(c for c in d.causes if c.id == cause_id)


def test_rules_that_could_not_judge_make_the_cause_unjudged_not_clear():
    d = diagnose(_forgetting_report())
    forgetting = _cause(d, "forgetting")
    assert forgetting.status == "not-judged"
    assert [r["code"] for r in forgetting.not_judged] == ["V001", "V004"]
    assert forgetting.not_judged[1]["reason"] == "only 3 answers: too few to judge their lengths"
    assert _cause(d, "noisy-supervision").status == "clear"  # D008 judged and found nothing
    assert "could not judge: catastrophic-forgetting risk" in d.reasons


def test_some_rules_judged_others_not_says_which():
    forgetting = _cause(diagnose(_forgetting_report("pass")), "forgetting")
    assert forgetting.status == "not-judged"
    assert forgetting.judged == ["V001"]
    assert forgetting.status_text() == ("no evidence from V001; could not judge V004: only 3 "
                                        "answers: too few to judge their lengths")
    reasons = diagnose(_forgetting_report("pass")).reasons
    assert "partly judged: catastrophic-forgetting risk" in reasons
    assert not any(r.startswith("could not judge") for r in reasons)


def test_every_rule_measured_is_clear():
    v001 = Metric("V001", "low-lexical-diversity", 3.0, 4.0, "pass", "warning", "ok")
    d = diagnose(_report(metrics=[v001], rules_run=["V001"]))
    assert _cause(d, "forgetting").status == "clear"
    assert not any("could not judge" in r for r in d.reasons)


def test_no_records_means_no_rule_could_judge():
    d = diagnose(Report(files=["empty.jsonl"], records=0, rules_run=["D001", "D008", "S001"],
                        metrics=[Metric("S001", "too-few-examples", 0, 100, "pass", "warning",
                                        "0 records")]))
    for cause_id in ("memorisation", "noisy-supervision", "low-quality"):
        c = _cause(d, cause_id)
        assert c.status == "not-judged", cause_id
        assert {r["reason"] for r in c.not_judged} == {"no records were read"}
    assert any(r.startswith("could not judge:") and "(no records were read)" in r
               for r in d.reasons)


def test_every_renderer_shows_could_not_judge_and_no_check_mark():
    from datalint.report.renderers import render

    rep = _forgetting_report()
    rep.diagnosis = diagnose(rep)
    text = render("text", rep)
    assert "✓ Catastrophic-forgetting risk" not in text
    assert "? Catastrophic-forgetting risk: could not judge V001, V004" in text
    assert "V004: only 3 answers: too few to judge their lengths" in text
    assert "✓ Noisy supervision: no evidence (D008 checked)" in text
    assert "? Catastrophic-forgetting risk: could not judge V001, V004" in render("diagnosis", rep)
    md = render("markdown", rep)
    row = next(line for line in md.splitlines() if "Catastrophic-forgetting risk" in line)
    assert row.startswith("| ❔ |") and "could not judge V001, V004" in row
    html = render("html", rep)
    assert 'class="card not-judged"' in html and "could not judge" in html
    data = json.loads(render("json", rep))
    cause = next(c for c in data["diagnosis"]["causes"] if c["id"] == "forgetting")
    assert cause["status"] == "not-judged"
    assert [r["code"] for r in cause["not_judged"]] == ["V001", "V004"]


def test_empty_data_file_report_does_not_say_no_evidence(tmp_path):
    p = tmp_path / "train.jsonl"
    p.write_bytes(b"")
    res = CliRunner().invoke(main, ["check", "--isolated", "--no-color", str(p)])
    assert "no evidence" not in res.stdout  # nothing was read: nothing was judged clean
    assert "✓" not in res.stdout
    assert "could not judge 7 rules: no records were read" in res.stdout  # memorisation


# -- the verdict says what a baseline hides -------------------------------------------------

def _dup_file(tmp_path):
    a = {"messages": [{"role": "user", "content": "How do I reset my router?"},
                      {"role": "assistant", "content": "Hold the reset button for ten "
                                                       "seconds, then wait."}]}
    b = {"messages": [{"role": "user", "content": "How do I change my password?"},
                      {"role": "assistant", "content": "Open the settings page and choose "
                                                       "Security, then Password."}]}
    return write_jsonl(tmp_path / "train.jsonl", [a, a, b, b, b])


@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "json", "github", "diagnosis"])
def test_verdict_with_a_baseline_says_what_it_hides(tmp_path, fmt):
    p = _dup_file(tmp_path)
    baseline = tmp_path / "baseline.json"
    args = ["--isolated", "--select", "D001", "--no-color", str(p)]
    CliRunner().invoke(main, ["check", *args, "--write-baseline", str(baseline)],
                       catch_exceptions=False)
    command = ["explain"] if fmt == "diagnosis" else ["check", "-f", fmt]
    res = CliRunner().invoke(main, [*command, *args, "--baseline", str(baseline)],
                             catch_exceptions=False)
    assert res.exit_code == 0, res.output
    hidden = "2 known findings hidden by the baseline (2 D001 exact-duplicate)"
    if fmt == "json":
        diag = json.loads(res.stdout)["diagnosis"]
        assert diag["verdict"] == "ready"
        assert diag["baseline"] == {"hidden": 2, "by_rule": [
            {"code": "D001", "name": "exact-duplicate", "count": 2}]}
        assert diag["reasons"][:2] == ["no new problem above info level", hidden]
    elif fmt == "github":
        assert hidden in res.stdout
    else:
        out = res.stdout.replace("\n", " ")
        assert "no new problem above info level" in out.lower(), out
        assert hidden in out or hidden[:1].upper() + hidden[1:] in out, out
        assert "no problem above info level" not in out.lower()
