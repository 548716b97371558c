"""The text, Markdown and HTML reports at a glance: a systemic defect is one grouped entry,
the most important findings come first, passing metrics and skipped rules are one line each
unless asked for, and ``--statistics`` prints only counts."""

from __future__ import annotations

import math
import random

import orjson
from click.testing import CliRunner

from datalint.cli import main
from datalint.io.record import Location
from datalint.report.groups import MIN_RECORDS, MIN_SHARE, ranked, systemic
from datalint.report.model import Finding, Metric, Report, Skipped
from datalint.report.renderers import render

from .conftest import ROOT
from .helpers import write_jsonl

WORDS = ("alpha", "beta", "gamma", "delta", "omega", "sigma", "kappa", "theta", "river",
         "stone", "cloud", "maple")


def _prompt_completion(tmp_path, name, ending, n=400, seed=15):
    rng = random.Random(seed)
    recs = []
    for i in range(n):
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 30)))
        recs.append({"prompt": f"Question {i}: tell me about {rng.choice(WORDS)} "
                               f"{rng.randint(0, 10**6)}?",
                     "completion": f" {words.capitalize()}.{ending}"})
    return write_jsonl(tmp_path / name, recs)


def _invoke(*args):
    return CliRunner().invoke(main, ["check", "--isolated", "--no-progress", *map(str, args)])


def _body(text: str) -> list[str]:
    """The lines between the verdict and the diagnosis."""
    lines = text.splitlines()
    return lines[2:lines.index(next(x for x in lines if x.startswith("Diagnosis")))]


# -- systemic findings -----------------------------------------------------------------------

def test_a_token_in_every_completion_is_one_entry(tmp_path):
    # every completion goes on after its end token with a new ChatML turn: 400 findings of
    # one rule with one evidence
    p = _prompt_completion(tmp_path, "leak.jsonl", "<|im_end|>\n<|im_start|>user\nThanks")
    res = _invoke(p, "--select", "C001")
    assert res.exit_code == 1, res.output
    body = [x for x in _body(res.output) if x.strip()]
    c001 = [x for x in body if "C001" in x]
    assert len(c001) == 1, body[:5]
    assert c001[0].startswith("C001 leaked-special-token  400 of 400 records (100%) contain "
                              'the special token "<|im_end|>"'), c001[0]
    assert "Strip the tokens" in c001[0]  # the fix, from the rule's documentation
    assert body[1].startswith("    e.g. at ") and "leak.jsonl:1, :2, :3" in body[1]
    assert len(body) <= 3
    # the machine formats keep every finding
    js = orjson.loads(_invoke(p, "--select", "C001", "-f", "json").output)
    assert len(js["findings"]) == 400
    sarif = orjson.loads(_invoke(p, "--select", "C001", "-f", "sarif").output)
    assert len(sarif["runs"][0]["results"]) == 400
    md = _invoke(p, "--select", "C001", "-f", "markdown").output
    assert "### Systemic defects" in md and "400 of 400 records (100%)" in md
    assert md.index("### Systemic defects") < md.index("Findings by rule") or \
        "Top findings" not in md
    assert md.count("leak.jsonl:") < 10  # not one row per record
    html = _invoke(p, "--select", "C001", "-f", "html").output
    assert "Systemic defects" in html and "400 of 400 records (100%)" in html
    assert html.index("Systemic defects") < html.index("Rules with findings")


def test_an_end_token_on_every_completion_leads_the_report(tmp_path):
    # 400 completions ending with <|endoftext|>: the rule reports it once for the file; the
    # text report opens with it (an error), before the dataset-level warnings
    p = _prompt_completion(tmp_path, "eot.jsonl", "<|endoftext|>")
    res = _invoke(p, "--select", "C001,V001,V002,V004,Y001,Y002")
    body = [x for x in _body(res.output) if x.strip()]
    assert "C001 leaked-special-token" in body[0], body[:3]
    assert "400 of 400 records (100%)" in body[0]
    assert sum("C001" in x for x in body) == 1


def test_few_or_a_small_share_do_not_group():
    def rep(n, total):
        fs = [Finding("C002", "unfilled-placeholder", "warning", "slot", Location("a", i, i),
                      evidence='contain the unfilled placeholder "{{x}}"')
              for i in range(n)]
        return Report(findings=fs, records=total, files=["a"])
    groups, rest = systemic(rep(MIN_RECORDS - 1, MIN_RECORDS - 1))
    assert not groups and len(rest) == MIN_RECORDS - 1
    n = 100
    groups, rest = systemic(rep(n, math.ceil(n / MIN_SHARE) + 1))
    assert not groups
    groups, rest = systemic(rep(n, n))
    assert len(groups) == 1 and not rest and groups[0].records == n
    # no evidence, no group
    r = rep(n, n)
    for f in r.findings:
        f.evidence = None
    assert systemic(r) == ([], r.findings)


def test_one_record_with_two_findings_counts_once():
    fs = [Finding("C001", "leaked-special-token", "error", "tok",
                  Location("a", i // 2, i // 2, None, f"f{i % 2}"), evidence="contain X")
          for i in range(2 * MIN_RECORDS)]
    g, rest = systemic(Report(findings=fs, records=MIN_RECORDS, files=["a"]))
    assert g[0].records == MIN_RECORDS and g[0].headline().startswith(
        f"{MIN_RECORDS} of {MIN_RECORDS} records (100%)")


# -- order ----------------------------------------------------------------------------------

def _mixed_report() -> Report:
    a = "data.jsonl"
    return Report(
        findings=[
            Finding("C006", "stray-whitespace", "info", "trailing space", Location(a, 1, 0)),
            Finding("P001", "pii", "warning", "e-mail", Location(a, 2, 1)),
            Finding("D001", "exact-duplicate", "warning", "dup", Location(a, 3, 2)),
            Finding("C002", "unfilled-placeholder", "warning", "slot", Location(a, 4, 3)),
            Finding("D001", "exact-duplicate", "warning", "dup", Location(a, 5, 4)),
            Finding("F001", "invalid-json", "error", "broken", Location(a, 6, 5)),
        ],
        metrics=[Metric("V004", "length-collapse", 0.5, 0.25, "pass", "warning", "spread"),
                 Metric("V001", "low-lexical-diversity", 9.0, 4.0, "fail", "warning", "gzip"),
                 Metric("S001", "too-few-examples", 6, 100, "fail", "warning", "6 records")],
        skipped=[Skipped("D009", "train-eval-overlap", "no eval set"),
                 Skipped("T001", "too-many-epochs", "no training config"),
                 Skipped("T002", "learning-rate-too-high", "no training config")],
        files=[a], records=6,
        rules_run=["C006", "P001", "D001", "C002", "F001", "V004", "V001", "S001"])


def test_most_important_first():
    codes = [f.code for f in ranked(_mixed_report().findings)]
    # errors, then warnings by cause (low-quality data, then memorisation, then no cause),
    # info last
    assert codes == ["F001", "C002", "D001", "D001", "P001", "C006"]
    body = _body(render("text", _mixed_report()))
    shown = [x.split()[1] for x in body if x.startswith("data.jsonl")]
    assert shown == codes


# -- metrics and skipped rules ------------------------------------------------------------------

def test_passing_metrics_only_when_asked():
    r = _mixed_report()
    body = _body(render("text", r))
    assert not any("V004" in x for x in body)  # passed: hidden
    assert any(x.startswith("metric V001 low-lexical-diversity") and "FAIL" in x for x in body)
    assert any(x.startswith("metric S001") for x in body)  # failed, no finding shows it
    summary = [x for x in body if x.startswith("metrics ")]
    assert summary == ["metrics 3 measured: 1 passed; --show-metrics lists them"]
    for kw in ({"show_metrics": True}, {"verbose": True}):
        body = _body(render("text", r, **kw))
        assert any(x.startswith("metric V004") and "PASS" in x for x in body), kw
        assert not any(x.startswith("metrics ") for x in body)


def test_a_failed_metric_with_its_finding_is_shown_once():
    r = _mixed_report()
    r.findings.append(Finding("V001", "low-lexical-diversity", "warning",
                              "low lexical diversity: gzip", Location()))
    body = _body(render("text", r))
    assert sum("V001" in x for x in body) == 1
    assert any("1 failed (shown as their findings)" in x for x in body)


def test_skipped_rules_are_one_line_unless_verbose():
    r = _mixed_report()
    body = _body(render("text", r))
    skipped = [x for x in body if x.startswith("skipped")]
    assert skipped == ["skipped 3 rules (D009, T001, T002) for want of an input or a field; "
                       "--verbose says which"]
    body = _body(render("text", r, verbose=True))
    skipped = [x for x in body if x.startswith("skipped")]
    assert skipped == ["skipped D009 train-eval-overlap: no eval set",
                       "skipped 2 rules (T001, T002): no training config"]


def test_cli_show_metrics_and_verbose(tmp_path):
    p = _prompt_completion(tmp_path, "ok.jsonl", "", n=30)
    default = _invoke(p, "--select", "S001,V004,D009").output
    assert "metric V004" not in default and "--show-metrics" in default
    for opt in ("--show-metrics", "--verbose", "-v"):
        assert "metric V004" in _invoke(p, "--select", "S001,V004", opt).output, opt
    assert "skipped D009 train-eval-overlap: no eval set" in \
        _invoke(p, "--select", "S001,V004,D009", "-v").output
    helptext = CliRunner().invoke(main, ["check", "--help"]).output
    assert "--show-metrics" in helptext and "--verbose" in helptext


# -- --statistics ---------------------------------------------------------------------------

def test_statistics_prints_only_counts(tmp_path):
    p = _prompt_completion(tmp_path, "s.jsonl", "", n=30)
    rows = list(orjson.loads(p.read_bytes().splitlines()[0]).items())
    with p.open("ab") as fh:  # one broken line and a duplicate: two findings
        fh.write(b"{broken\n" + orjson.dumps(dict(rows)) + b"\n")
    res = _invoke(p, "--select", "F001,D001,S001,V004,D009", "--statistics")
    assert res.exit_code == 1
    lines = [x for x in res.output.splitlines() if x]
    for word in ("Verdict", "metric", "skipped", "Diagnosis", "also at"):
        assert not any(word in x for x in lines), (word, lines)
    assert lines[-1].startswith("Found ")
    counts = lines[:-1]
    assert [x.split()[1] for x in counts] == ["D001", "F001", "S001"]
    assert all(x.split()[0].isdigit() for x in counts)


# -- the demo on one screen ----------------------------------------------------------------

def test_demo_report_fits_on_one_screen(monkeypatch):
    # as the README's quick start runs it; above the diagnosis it was 58 lines, 108 rows of a
    # 100-column terminal (every metric, every skipped rule, "also at" one place a line)
    monkeypatch.chdir(ROOT)
    res = CliRunner().invoke(main, ["check", "fixtures/demo/support_train.jsonl", "--production",
                                    "fixtures/demo/production_sample.jsonl", "--no-progress"])
    lines = res.output.splitlines()
    above = lines[:lines.index(next(x for x in lines if x.startswith("Diagnosis")))]
    rows = sum(max(1, math.ceil(len(x) / 100)) for x in above)
    assert len(above) <= 40 and rows <= 55, (len(above), rows)
    assert all(len(x) <= 200 for x in above[1:])
    assert not any(" PASS " in x for x in above)
    assert sum(x.startswith("skipped") for x in above) <= 1


def test_long_messages_are_cut_when_they_do_not_fit_a_screen():
    long = "most uniform: " + "; ".join(f"habit {i} (spread 0.0{i})" for i in range(40))

    def rep(n):
        return Report(findings=[Finding("Y001", "style-collapse", "warning", f"{k}: {long}",
                                        Location()) for k in range(n)],
                      files=["a"], records=30)
    # one long finding fits a screen: shown whole
    assert long in render("text", rep(1))
    assert not any(x.startswith("cut") for x in _body(render("text", rep(1))))
    # six take 48 rows of 100 columns: each cut to two rows, and a line says so
    body = _body(render("text", rep(6)))
    lines = [x for x in body if "Y001" in x]
    assert len(lines) == 6 and all(x.endswith(" …") and len(x) <= 200 for x in lines)
    assert "cut 6 long messages end with … (--verbose prints them in full, and --format " \
           "json)" in body
    assert render("text", rep(6), verbose=True).count(long) == 6
