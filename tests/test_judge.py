"""The judge: a Measurement becomes the Metric and, when it fails, the findings — the one
place where values meet their thresholds."""

from __future__ import annotations

import pytest

from datalint.io.record import Location
from datalint.report.judge import (FindingDraft, Measurement, Condition, fails, judge, judged,
                                   not_measured)
from datalint.report.model import Finding, Metric, Skipped
from datalint.rule import DatasetRule


class Probe(DatasetRule):
    """A metric rule that yields what it is given (not registered: not in datalint.rules)."""

    code = "X901"
    name = "probe"
    summary = "yields its measurements"
    severity = "warning"

    def __init__(self, items=(), **kw):
        super().__init__(**kw)
        self.items = list(items)

    def check_dataset(self, dataset):
        yield from self.items


def verdict(m: Measurement) -> str:
    return judge(Probe(), m)[0].verdict


def share(value, op=">=", threshold=0.5, **kw) -> Measurement:
    return Measurement(value, threshold, op, "measured", {"n": 1}, **kw)


# -- direction and the threshold boundary -------------------------------------------------------

@pytest.mark.parametrize("op, below, at, above", [
    (">=", "pass", "fail", "fail"),   # higher is bad, the threshold itself fails
    (">", "pass", "pass", "fail"),    # higher is bad, the threshold itself passes
    ("<", "fail", "pass", "pass"),    # lower is bad, the threshold itself passes
    ("<=", "fail", "fail", "pass"),   # lower is bad, the threshold itself fails
])
def test_direction_and_boundary(op, below, at, above):
    assert [verdict(share(v, op)) for v in (0.4, 0.5, 0.6)] == [below, at, above]
    assert share(0.5, op).higher_is_bad == (op in (">", ">="))


def test_unknown_comparison_is_refused():
    with pytest.raises(ValueError):
        Measurement(1.0, 0.5, "=>", "m")
    with pytest.raises(ValueError):
        Condition("x", 1.0, "==", 1.0)


# -- the Metric and the findings ---------------------------------------------------------------

def test_pass_is_one_metric_with_the_rounded_value():
    out = judge(Probe(), share(0.123456, ">=", digits=3, findings=[FindingDraft("bad")]))
    assert out == [Metric("X901", "probe", 0.123, 0.5, "pass", "warning", "measured", {"n": 1})]


def test_verdict_uses_the_unrounded_value():
    # 0.49996 rounds to 0.5 in the report, but it is below the threshold: a pass
    out = judge(Probe(), share(0.49996, ">=", digits=4))
    assert out[0].value == 0.5 and out[0].verdict == "pass"


def test_fail_is_the_metric_then_each_finding_in_order():
    loc = Location("data.jsonl", 3, 2)
    m = share(0.9, fail_message="measured, and bad", findings=[
        FindingDraft("first", [loc], {"k": 1}),
        FindingDraft("second", severity="error")])
    metric, first, second = judge(Probe(), m)
    assert metric == Metric("X901", "probe", 0.9, 0.5, "fail", "warning", "measured, and bad",
                            {"n": 1})
    assert first == Finding("X901", "probe", "warning", "first", Location(), [loc], {"k": 1})
    assert second == Finding("X901", "probe", "error", "second", Location(), [], None)


def test_a_finding_may_point_at_a_location():
    where = Location("train.yaml", 8)
    _, f = judge(Probe(), share(0.9, findings=[FindingDraft("at a line", location=where)]))
    assert f.location == where


def test_notes_are_reported_only_when_it_passes():
    m = share(0.4, findings=[FindingDraft("bad")],
              notes=[FindingDraft("careful", severity="info")])
    assert [type(x).__name__ for x in judge(Probe(), m)] == ["Metric", "Finding"]
    assert judge(Probe(), m)[1].message == "careful" and judge(Probe(), m)[1].severity == "info"
    m.value = 0.6
    assert [x.message for x in judge(Probe(), m)] == ["measured", "bad"]


# -- not measured ---------------------------------------------------------------------------------

def test_not_measured_is_info_and_never_fails():
    m = not_measured("too few records", {"records": 3})
    m.findings.append(FindingDraft("never reported"))
    assert not m.measured and not m.failed
    assert judge(Probe(), m) == [Metric("X901", "probe", 0.0, None, "info", "warning",
                                        "too few records", {"records": 3})]


# -- second conditions, as data -------------------------------------------------------------------

def test_also_needs_every_condition():
    significant = Condition("z", 3.5, ">=", 3.0)
    noise = Condition("z", 1.0, ">=", 3.0)
    assert verdict(share(0.9).also(significant)) == "fail"
    assert verdict(share(0.9).also(noise)) == "pass"        # large but within the noise
    assert verdict(share(0.1).also(significant)) == "pass"  # significant but small
    assert share(0.9).also(noise).conditions() == ((share(0.9).threshold_condition, noise),)


def test_or_if_is_another_way_to_fail():
    share_ok = Condition("share at the cap", 0.3, ">=", 0.1)
    capped = (Condition("answers at the cap", 8, ">=", 5), share_ok)
    uncapped = (Condition("answers at the cap", 2, ">=", 5), share_ok)
    assert verdict(share(0.9, "<").or_if(*capped)) == "fail"     # spread fine, but capped
    assert verdict(share(0.9, "<").or_if(*uncapped)) == "pass"   # one test of the group holds
    assert verdict(share(0.1, "<").or_if(*uncapped)) == "fail"   # no spread


def test_decided_by_replaces_the_threshold_condition():
    m = share(0.9).decided_by((Condition("signature phrases", 0, ">=", 1),))
    assert verdict(m) == "pass" and m.threshold_condition.fails
    m = share(0.1).decided_by((Condition("signature phrases", 2, ">=", 1),))
    assert verdict(m) == "fail" and judge(Probe(), m)[0].threshold == 0.5


def test_fails_reads_groups():
    yes, no = Condition("a", 1, ">", 0), Condition("b", 0, ">", 0)
    assert fails([(yes,)]) and fails([(no,), (yes, yes)])
    assert not fails([(yes, no)]) and not fails([])


# -- severity -------------------------------------------------------------------------------------

def test_severity_override_applies_to_metric_and_findings():
    m = share(0.9, findings=[FindingDraft("bad"), FindingDraft("worse", severity="error")])
    metric, *found = judge(Probe(severity="info"), m)
    assert metric.severity == "info" and [f.severity for f in found] == ["info", "info"]
    metric, *found = judge(Probe(), m)
    assert metric.severity == "warning" and [f.severity for f in found] == ["warning", "error"]


def test_severity_override_through_the_command_line(tmp_path):
    from .helpers import lint_records

    rep = lint_records(tmp_path, [{"prompt": "hi", "completion": "hello"}] * 3,
                       select=["too-few-examples"], severity={"S001": "info"})
    assert [(m.verdict, m.severity) for m in rep.metrics] == [("fail", "info")]
    assert [f.severity for f in rep.findings] == ["info"]


# -- the dataset pass applies the judge ---------------------------------------------------------

def _dataset_pass(rule):
    from datalint.pipeline.dataset_pass import run_dataset_rules
    from datalint.pipeline.guard import RuleGuard
    from datalint.pipeline.suppress import Suppressions
    from datalint.report.model import Report

    report = Report()
    run_dataset_rules([rule], None, report, RuleGuard(report), Suppressions(report))
    assert not report.errors, report.errors
    return report


def test_the_dataset_pass_judges_what_a_rule_yields():
    skip = Skipped("X901", "probe", "nothing to do")
    done = Finding("X901", "probe", "warning", "as is", Location())
    rule = Probe([share(0.9, findings=[FindingDraft("bad")]), skip, done])
    report = _dataset_pass(rule)
    assert [m.verdict for m in report.metrics] == ["fail"]
    assert report.skipped == [skip]
    assert [f.message for f in report.findings] == ["bad", "as is"]
    assert report.findings[1] is done


def test_a_subclass_calling_its_parent_is_judged_once():
    class Child(Probe):
        def check_dataset(self, dataset):
            yield from super().check_dataset(dataset)
            yield share(0.1)

    assert all(isinstance(m, Measurement) for m in Child([share(0.9)]).check_dataset(None))
    report = _dataset_pass(Child([share(0.9)]))
    assert [m.verdict for m in report.metrics] == ["fail", "pass"]


def test_judged_passes_other_items_through():
    assert list(judged(Probe(), [1, "x"])) == [1, "x"]


# -- the decision, in words ---------------------------------------------------------------------

def decision(m: Measurement, rule=None) -> str:
    return judge(rule or Probe(), m)[0].decision


def test_decision_names_the_direction_and_the_comparison():
    assert decision(share(0.72)) == "higher is worse; 0.72 ≥ 0.5"
    assert decision(share(0.3)) == "higher is worse; 0.3 < 0.5"
    assert decision(share(0.3, "<")) == "lower is worse; 0.3 < 0.5"
    assert decision(share(0.7, "<")) == "lower is worse; 0.7 ≥ 0.5"
    assert decision(Measurement(1200, 100, ">", "m")) == "higher is worse; 1,200 > 100"


def test_decision_never_prints_a_value_equal_to_its_limit_when_it_is_not():
    assert decision(share(0.49996)) == "higher is worse; 0.49996 < 0.5"


def test_decision_of_a_pass_says_which_further_condition_decided():
    # a large style difference that the significance test does not confirm
    m = share(0.72).also(Condition("significance z", 1.5, ">=", 3.0))
    assert decision(m) == "higher is worse; 0.72 ≥ 0.5, but significance z 1.5 < 3"
    # the narrow-task shape: coverage is low, but the spread is not
    m = share(0.17, "<", 0.45).decided_by((Condition("coverage", 0.17, "<", 0.45),
                                           Condition("relative spread", 0.64, "<", 0.5)))
    assert decision(m) == "lower is worse; coverage 0.17 < 0.45, but relative spread 0.64 ≥ 0.5"


def test_decision_of_a_fail_lists_every_condition_of_the_way_it_failed():
    m = share(0.28, "<", 0.45).decided_by((Condition("coverage", 0.28, "<", 0.45),
                                           Condition("relative spread", 0.40, "<", 0.5)))
    assert judge(Probe(), m)[0].verdict == "fail"
    assert decision(m) == "lower is worse; coverage 0.28 < 0.45 and relative spread 0.4 < 0.5"


def test_decision_of_many_ways_to_fail_shows_the_closest_and_counts_the_rest():
    groups = [(Condition(f"f{i} effect", 0.1 * i, ">=", 0.5), Condition("z", 1.0, ">=", 3.0))
              for i in range(6)]
    text = decision(share(0.5).decided_by(*groups))
    assert text.startswith("higher is worse; f5 effect 0.5 ≥ 0.5, but z 1 < 3; f0 effect 0 < 0.5")
    assert text.endswith("; 3 other ways to fail checked, none met")


def test_the_decision_is_in_the_json_metric_and_absent_when_not_measured():
    out = judge(Probe(), share(0.9))[0].to_dict()
    assert out["decision"] == "higher is worse; 0.9 ≥ 0.5"
    assert "decision" not in judge(Probe(), not_measured("too few"))[0].to_dict()


# -- severe fails: an error when failing badly ----------------------------------------------------

class Severe(Probe):
    from dataclasses import dataclass as _dc

    @_dc
    class Options:
        error_at: float | None = 0.8


def test_error_at_makes_a_bad_enough_fail_an_error():
    m = share(0.9, findings=[FindingDraft("bad")])
    metric, found = judge(Severe(), m)
    assert (metric.verdict, metric.severity, found.severity) == ("fail", "error", "error")
    assert metric.decision == "higher is worse; 0.9 ≥ 0.5; an error as 0.9 ≥ error-at 0.8"
    metric, found = judge(Severe(), share(0.6, findings=[FindingDraft("bad")]))
    assert (metric.severity, found.severity) == ("warning", "warning")
    assert judge(Severe(options=Severe.Options(error_at=None)), m)[0].severity == "warning"
    # a --severity override wins; a pass is never an error
    assert judge(Severe(severity="info"), m)[0].severity == "info"
    assert judge(Severe(), share(0.9).also(Condition("z", 1, ">=", 3)))[0].severity == "warning"


def test_severe_when_is_a_further_way_to_be_an_error():
    m = share(0.6).severe_when(Condition("distinct examples", 200, "<", 1000))
    metric = judge(Probe(), m)[0]
    assert metric.severity == "error"
    assert metric.decision.endswith("an error as distinct examples 200 < 1,000")
    assert judge(Probe(), share(0.6).severe_when(
        Condition("distinct examples", 2000, "<", 1000)))[0].severity == "warning"


def test_too_few_records_and_no_records_fail_the_default_gate(tmp_path):
    from .helpers import lint_records, run

    rec = {"prompt": "What is the capital of France?", "completion": "Paris."}
    for n, severity in ((3, "error"), (12, "warning")):
        rep = lint_records(tmp_path, [rec] * n, select=["too-few-examples"])
        assert [(m.verdict, m.severity) for m in rep.metrics] == [("fail", severity)]
        assert rep.exit_code("error") == (1 if severity == "error" else 0)
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    rep = run(empty)
    assert [(m.verdict, m.severity) for m in rep.metrics if m.code == "S001"] == [("fail", "error")]
    assert rep.exit_code("error") == 1
    rep = run(empty, options={"too-few-examples": {"error-below": 0}})
    assert rep.exit_code("error") == 1  # no records at all is always an error
    rep = lint_records(tmp_path, [rec] * 3, select=["too-few-examples"],
                       options={"too-few-examples": {"error-below": 2}})
    assert rep.exit_code("error") == 0


def test_a_majority_of_canned_answers_fails_the_default_gate(tmp_path):
    from .helpers import lint_records

    canned = ["Hello! How can I help you today?", "I am an assistant made to answer questions.",
              "Sorry, I cannot help with that request."]
    recs = [{"prompt": f"Question number {i} about topic {i * 7 % 13}?",
             "completion": canned[i % 3]} for i in range(60)]
    rep = lint_records(tmp_path, recs, select=["canned-responses"])
    (m,) = rep.metrics
    assert (m.verdict, m.severity) == ("fail", "error") and rep.exit_code("error") == 1
    assert "error-at 0.5" in m.decision
    rep = lint_records(tmp_path, recs, select=["canned-responses"],
                       options={"canned-responses": {"error-at": 1.5}})
    assert rep.metrics[0].severity == "warning" and rep.exit_code("error") == 0
