"""The HTML audit report and the Markdown summary: escaping, self-containment, snapshot."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from datalint.cli import main
from datalint.io.record import Location
from datalint.report.renderers import render
from datalint.report.renderers.markdown import md_code, md_text
from datalint.report.model import Finding, Metric, Report

from .helpers import write_jsonl
from .test_renderers import sample_report

EVIL = "</style></script><script>alert('x')</script><img src=x onerror=alert(1)> | `tick` [a](https://evil.example/x.js) @octocat"


def hostile_report() -> Report:
    loc = Location("data/<b>bad</b>.jsonl", 4, 3, None, "messages[1].content")
    other = Location("data/<b>bad</b>.jsonl", 2, 1, None, None)
    return Report(
        findings=[
            Finding("C004", "empty-response", "error", EVIL, loc),
            Finding("D008", "contradiction", "error", "contradicts", loc, related=[other],
                    data={"prompts": [EVIL, "Is it <b>ok</b>?"], "answers": ["Yes", EVIL],
                          "similarity": 0.97}),
            Finding("D001", "exact-duplicate", "warning", "dup", loc, related=[other],
                    data={"cluster_size": 2, "keep": other.to_dict(), "drop": [loc.to_dict()]}),
        ],
        metrics=[Metric("V004", "length-collapse", 0.19, 0.25, "fail", "warning", EVIL,
                        {"q1_chars": 100, "median_chars": 150, "q3_chars": 170,
                         "max_chars": 300, "answers": 20})],
        files=["data/<b>bad</b>.jsonl"], records=20, rules_run=["C004", "D008", "D001", "V004"])


# -- HTML -----------------------------------------------------------------------------------

def test_html_escapes_untrusted_data():
    out = render("html", hostile_report())
    assert "<script>" not in out and "</script>" not in out
    assert out.count("</style>") == 1  # only the page's own style sheet ends
    assert "<img" not in out and "<b>bad" not in out and "<b>ok" not in out
    assert "&lt;b&gt;bad&lt;/b&gt;" in out
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in out
    assert "&lt;/style&gt;" in out


def _external_refs(out: str) -> list[str]:
    return re.findall(r"""(?:src|href|action|xlink:href)\s*=\s*["']?\s*(?:https?:)?//"""
                      r"""|url\(\s*["']?\s*(?:https?:)?//|@import""", out, flags=re.I)


def test_html_is_self_contained():
    for rep in (sample_report(), hostile_report()):
        out = render("html", rep)
        assert not _external_refs(out)
        assert "<script" not in out.lower()
        assert "<link" not in out.lower()
    out = render("html", sample_report())
    assert "http://" not in out and "https://" not in out
    assert "Content-Security-Policy" in out and "default-src 'none'" in out


def test_html_sections_and_charts():
    out = render("html", hostile_report())
    for part in ("Verdict: fix before training", "Diagnosis", "Contradictions, side by side",
                 "Duplicate clusters", "Metrics against their thresholds", "Answer length",
                 "Findings by rule", 'id="rule-C004"'):
        assert part in out, part
    assert out.index("Verdict") < out.index("Diagnosis") < out.index("Rules with findings")
    assert out.count("<svg") >= 3


def test_html_from_a_script_record(tmp_path):
    p = write_jsonl(tmp_path / "t.jsonl", [
        {"messages": [{"role": "user", "content": "<script>alert(1)</script>"},
                      {"role": "assistant", "content": "</style><script>alert(2)</script>"}]},
        {"messages": [{"role": "user", "content": "<script>alert(1)</script>"},
                      {"role": "assistant", "content": "</style><script>alert(2)</script>"}]}])
    out_file = tmp_path / "report.html"
    res = CliRunner().invoke(main, ["check", str(p), "--select", "D001,C,S", "-f", "html",
                                    "-o", str(out_file)])
    assert res.exit_code in (0, 1), res.output
    out = out_file.read_text()
    assert "<script" not in out.lower() and out.count("</style>") == 1
    assert not _external_refs(out)


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_html_renders_in_headless_chromium(tmp_path):
    html = tmp_path / "r.html"
    html.write_text(render("html", hostile_report()), encoding="utf-8")
    dump = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom",
         html.as_uri()], capture_output=True, text=True, timeout=120)
    assert "Diagnosis" in dump.stdout
    assert "<script>alert" not in dump.stdout


# -- Markdown -------------------------------------------------------------------------------

def test_md_text_escapes_markup():
    s = md_text(EVIL)
    assert "<" not in s and ">" not in s
    assert "\\|" in s and "\\`" in s and "\\[" in s and "\\@" in s
    assert "|" not in s.replace("\\|", "")


def test_md_code_fences_backticks_and_pipes():
    assert md_code("a`b") == "``a`b``"
    assert md_code("`x`") == "`` `x` ``"
    assert md_code("a|b") == "`a\\|b`"


def test_markdown_escapes_untrusted_data():
    out = render("markdown", hostile_report())
    outside_code = re.sub(r"(`+).*?\1", "", out)
    assert "<script>" not in outside_code and "<img" not in outside_code
    assert "<b>" not in outside_code
    # every table row keeps its number of columns
    for line in out.splitlines():
        if line.startswith("| ") and "location" not in line and "---" not in line:
            cells = re.split(r"(?<!\\)\|", line)
            assert len(cells) in (5, 6, 7), line
    assert out.startswith("## ❌ datalint: fix before training")
    assert "<details>" in out

# The golden snapshots of markdown and html are in test_renderers.py (report.md, report.html).
