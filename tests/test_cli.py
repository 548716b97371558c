"""The command line as a user meets it: rules, rule, check, selectors, config, exit codes."""

from __future__ import annotations

import os
import subprocess
import sys

import orjson
import pytest
from click.testing import CliRunner

from datalint.cli import main, rules_markdown
from datalint.registry import all_rules

from .conftest import ROOT
from .helpers import write_jsonl

GOOD = {"messages": [{"role": "user", "content": "What is the capital of France?"},
                     {"role": "assistant", "content": "The capital of France is Paris."}]}


def invoke(*args, **kw):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False, **kw)


def test_rules_lists_every_rule():
    r = invoke("rules")
    assert r.exit_code == 0
    for rule in all_rules():
        assert rule.code in r.output and rule.name in r.output


def test_rule_by_name_and_code():
    r1 = invoke("rule", "invalid-json")
    r2 = invoke("rule", "F001")
    assert r1.exit_code == r2.exit_code == 0
    assert r1.output == r2.output
    assert "## Why it hurts fine-tuning" in r1.output


def test_rule_shows_how_a_metric_decides_and_when_it_is_an_error():
    out = invoke("rule", "canned-responses").output
    assert "Fails when: at least max-share of the answers are canned" in out
    assert "An error when: it fails with a value at or above error-at (0.5)." in out
    out = invoke("rule", "S001").output
    assert "An error when: it fails with a value below error-below (10); or it fails and there " \
           "are no records at all." in out
    assert "(not set: off by default)" in invoke("rule", "narrow-task").output
    assert "Fails when" not in invoke("rule", "F001").output  # not a metric
    # every metric rule says when it fails
    from datalint.rule import DatasetRule
    for rule in all_rules():
        if any(f.name in ("error_at", "error_below") for f in rule.option_fields()):
            assert issubclass(rule, DatasetRule) and rule.decides, rule.code


def test_unknown_rule_suggests_spelling():
    r = invoke("rule", "invalid-jsn")
    assert r.exit_code == 2
    assert "did you mean 'invalid-json'" in r.output


def test_check_clean_file_exits_0(tmp_path):
    p = write_jsonl(tmp_path / "a.jsonl", [GOOD] * 3)
    r = invoke("check", p, "--select", "format")
    assert r.exit_code == 0, r.output
    assert "All checks passed" in r.output


def test_check_findings_exit_1_and_location(tmp_path):
    p = tmp_path / "a.jsonl"
    p.write_bytes(orjson.dumps(GOOD) + b"\n{broken\n")
    r = invoke("check", p)
    assert r.exit_code == 1
    assert f"{p}:2  F001 invalid-json" in r.output


def test_fail_on_levels(tmp_path):
    # schema drift is a warning: exit 0 at --fail-on error, 1 at --fail-on warning
    recs = [dict(GOOD) for _ in range(40)]
    recs[3] = {**GOOD, "stray": 1}
    p = write_jsonl(tmp_path / "a.jsonl", recs)
    assert invoke("check", p, "--select", "schema-drift").exit_code == 0
    assert invoke("check", p, "--select", "schema-drift", "--fail-on", "warning").exit_code == 1
    assert invoke("check", p, "--select", "schema-drift", "--fail-on", "never").exit_code == 0


def test_unknown_selector_is_usage_error(tmp_path):
    p = write_jsonl(tmp_path / "a.jsonl", [GOOD])
    r = invoke("check", p, "--select", "schema-drfit")
    assert r.exit_code == 2
    assert "did you mean 'schema-drift'" in r.output
    assert "Traceback" not in r.output


def test_missing_path_is_usage_error(tmp_path):
    r = invoke("check", tmp_path / "nope.jsonl")
    assert r.exit_code == 2
    assert "nope.jsonl" in r.output and "Traceback" not in r.output


def test_severity_override_and_option(tmp_path):
    recs = [dict(GOOD) for _ in range(40)]
    recs[3] = {**GOOD, "stray": 1}
    p = write_jsonl(tmp_path / "a.jsonl", recs)
    r = invoke("check", p, "--select", "schema-drift", "--severity", "schema-drift=error")
    assert r.exit_code == 1 and "1 error" in r.output
    # with a lower share threshold the single stray key is no longer drift... it still is
    # (1/40 < 0.05); raise min-records above the file size and nothing is judged
    r = invoke("check", p, "--select", "schema-drift", "--option", "schema-drift.min-records=100",
               "--fail-on", "warning")
    assert r.exit_code == 0, r.output


def test_bad_option_name_suggests(tmp_path):
    p = write_jsonl(tmp_path / "a.jsonl", [GOOD])
    r = invoke("check", p, "--option", "schema-drift.max-shares=0.1")
    assert r.exit_code == 2
    assert "did you mean 'max-share'" in r.output


def test_config_discovered_walking_up(tmp_path):
    # the file's one line is broken: no records, which too-few-examples reports as an error
    (tmp_path / "datalint.toml").write_text('ignore = ["invalid-json", "too-few-examples"]\n')
    sub = tmp_path / "data" / "v1"
    sub.mkdir(parents=True)
    p = sub / "a.jsonl"
    p.write_bytes(b"{broken\n")
    r = invoke("check", p)
    assert r.exit_code == 0, r.output
    assert invoke("check", p, "--isolated").exit_code == 1


def test_pyproject_config_and_per_file_ignores(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.datalint]\n[tool.datalint.per-file-ignores]\n"vendor_*.jsonl" = ["F001"]\n')
    (tmp_path / "vendor_a.jsonl").write_bytes(b"{broken\n")
    (tmp_path / "own.jsonl").write_bytes(b"{broken\n")
    r = invoke("check", tmp_path)
    assert r.exit_code == 1
    assert "own.jsonl:1" in r.output and "vendor_a.jsonl" not in r.output


def test_config_unknown_key_suggests(tmp_path):
    (tmp_path / "datalint.toml").write_text('selct = ["F"]\n')
    p = write_jsonl(tmp_path / "a.jsonl", [GOOD])
    r = invoke("check", p)
    assert r.exit_code == 2
    assert "unknown key 'selct'" in r.output and "did you mean 'select'" in r.output


def test_selector_specificity(tmp_path):
    from datalint.registry import select_rules

    codes = {r.code for r in select_rules(["F"], ["F00"], ["F001"])}
    # F001 is selected by a full code, more specific than the F00 prefix that ignores it
    assert "F001" in codes and "F002" not in codes and "F010" in codes
    codes = {r.code for r in select_rules(["format"], ["invalid-json"])}
    assert "F001" not in codes and "F002" in codes


def test_record_suppression(tmp_path):
    recs = [{**GOOD, "_datalint_ignore": ["unknown-format"]}, {"question": "x"},
            {"question": "y", "_datalint_ignore": ["F002"]}]
    p = write_jsonl(tmp_path / "a.jsonl", recs)
    r = invoke("check", p, "--format", "json", "--select", "F")
    out = orjson.loads(r.output)
    lines = {(f["location"]["line"], f["name"]) for f in out["findings"]}
    assert lines == {(2, "unknown-format")}
    assert out["summary"]["suppressed"] == 1


def test_json_output_schema(tmp_path):
    p = tmp_path / "a.jsonl"
    p.write_bytes(orjson.dumps(GOOD) + b"\n{broken\n")
    out = orjson.loads(invoke("check", p, "-f", "json").output)
    assert out["schema_version"] == 1
    f = out["findings"][0]
    assert set(f) >= {"code", "name", "severity", "message", "location", "related"}
    assert set(f["location"]) == {"path", "line", "record_index", "record_id", "field"}
    assert set(out) >= {"summary", "findings", "metrics", "skipped", "rule_errors",
                        "input_errors", "files"}


def test_output_file(tmp_path):
    p = tmp_path / "a.jsonl"
    p.write_bytes(b"{broken\n")
    out = tmp_path / "report.json"
    r = invoke("check", p, "-f", "json", "-o", out)
    assert r.exit_code == 1
    # the broken line, and no records at all
    found = orjson.loads(out.read_bytes())["findings"]
    assert sorted(f["code"] for f in found) == ["F001", "S001"]


def test_readme_rule_table_is_current():
    readme = (ROOT / "README.md").read_text()
    table = rules_markdown(all_rules())
    assert table in readme, ("README rule table is stale: regenerate it with "
                             "`datalint rules --format markdown`")


def test_format_rules_do_not_import_torch(tmp_path):
    p = write_jsonl(tmp_path / "a.jsonl", [GOOD])
    code = (
        "import sys\n"
        "from datalint.cli import main\n"
        f"try:\n    main(['check', {str(p)!r}, '--select', 'format'])\n"
        "except SystemExit:\n    pass\n"
        "heavy = [m for m in ('torch', 'sentence_transformers', 'faiss', 'datasets', 'transformers')"
        " if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert "HEAVY []" in out.stdout, out.stdout + out.stderr


_PACK = '''[pack]
rule = "unfilled-placeholder"
[[pattern]]
id = "ticket-slot"
regex = '\\b[Tt]icket (?:number|id) here\\b'
{requires}
[[pattern]]
id = "order-slot"
regex = '\\b[Oo]rder (?:number|id) here\\b'
'''


def test_a_pack_pattern_with_requires_finds_what_it_finds_without(tmp_path):
    data = write_jsonl(tmp_path / "a.jsonl", [
        {"messages": [{"role": "user", "content": "Where is my parcel?"},
                      {"role": "assistant", "content": f"Your {slot} will come by mail."}]}
        for slot in ("ticket number here", "Order id here", "ticket", "order")])
    out = {}
    for name, requires in (("plain", ""), ("requires", 'requires = ["icket"]')):
        pack = tmp_path / f"{name}.toml"
        pack.write_text(_PACK.format(requires=requires))
        r = invoke("check", str(data), "--select", "unfilled-placeholder", "--pack", str(pack),
                   "--format", "json")
        out[name] = [(f["location"]["record_index"], f["message"])
                     for f in orjson.loads(r.output)["findings"]]
    assert [i for i, _ in out["plain"]] == [0, 1]
    assert out["requires"] == out["plain"]


@pytest.mark.parametrize("requires", ['requires = "icket"', "requires = []",
                                      'requires = ["icket", ""]', "requires = [3]"])
def test_a_pack_with_a_bad_requires_is_a_usage_error(tmp_path, requires):
    data = write_jsonl(tmp_path / "a.jsonl", [GOOD])
    pack = tmp_path / "bad.toml"
    pack.write_text(_PACK.format(requires=requires))
    r = invoke("check", str(data), "--pack", str(pack))
    assert r.exit_code == 2
    assert "requires must be a list of non-empty strings" in r.output
    assert "Traceback" not in r.output
