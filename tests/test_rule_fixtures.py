"""Every rule is checked against its fixture: what it must flag and look-alikes it must leave
alone.  The expected findings are written in the fixtures themselves:

* ``fixtures/rules/<rule-name>.jsonl`` (or ``.json``): each record has an ``_expect`` list of
  rule names it must trigger; a record whose list lacks the rule must not trigger it.
* ``fixtures/rules/<rule-name>/``: data files plus ``expect.toml`` with ``[[finding]]`` tables
  (``file``, optional ``line``); ``file = "<dataset>"`` for dataset-level findings.
  ``[run]`` may name the ``data``, ``eval`` and ``production`` (a production sample) files.

Only the rule under test is selected, so the set of (place, rule) must match exactly: a missing
finding and an extra finding both fail.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import orjson
import pytest

from datalint.registry import all_rules

from .conftest import FIXTURES
from .helpers import run

RULE_FIXTURES = FIXTURES / "rules"


def fixture_for(rule) -> Path | None:
    for suffix in (".jsonl", ".json", ""):
        p = RULE_FIXTURES / f"{rule.name}{suffix}"
        if p.exists():
            return p
    return None


def _expected_from_records(path: Path, rule) -> tuple[set, int]:
    expected = set()
    data = path.read_bytes()
    if path.suffix == ".jsonl":
        items = [(i + 1, orjson.loads(line)) for i, line in enumerate(data.splitlines())
                 if line.strip()]
    else:
        from datalint.io.readers import _element_lines

        arr = orjson.loads(data)
        lines = _element_lines(data, len(arr))
        items = list(zip(lines, arr))
    for line, rec in items:
        exp = rec.get("_expect", [])
        assert isinstance(exp, list), f"{path}:{line}: _expect must be a list"
        if rule.name in exp or rule.code in exp:
            expected.add((path.name, line))
    return expected, len(items)


def _expected_from_toml(folder: Path) -> tuple[set, dict]:
    """The expected findings and the run's settings (``[run]``: ``data``, the files or
    sub-folders to lint, default the folder itself; ``eval``, eval files)."""
    spec = tomllib.loads((folder / "expect.toml").read_text())
    return {(f["file"], f.get("line")) for f in spec.get("finding", [])}, spec.get("run", {})


# rules that need the embedding models run them for real here: marked slow
RULES = [pytest.param(r, marks=pytest.mark.slow) if "embeddings" in r.requires else r
         for r in all_rules()]


@pytest.mark.parametrize("rule", RULES, ids=[getattr(r, "values", [r])[0].name for r in RULES])
def test_rule_fixture(rule):
    path = fixture_for(rule)
    if path is None:
        pytest.fail(f"rule {rule.name} has no fixture under fixtures/rules/")
    if path.is_dir():
        expected, settings = _expected_from_toml(path)
        data = [path / d for d in settings.get("data", [])] or [path]
        report = run(data, select=[rule.code],
                     eval=[str(path / e) for e in settings.get("eval", [])],
                     # production sample for the production rules
                     production=[str(path / p) for p in settings.get("production", [])])
        actual = set()
        for f in report.findings:
            if f.location.path is None:
                actual.add(("<dataset>", None))
            else:
                actual.add((Path(f.location.path).name, f.location.line))
        # an expectation without a line matches any line of that file
        loose = {(fi, None) for fi, ln in expected if ln is None}
        actual = {(fi, None) if (fi, None) in loose else (fi, ln) for fi, ln in actual}
    else:
        expected, n = _expected_from_records(path, rule)
        assert expected, f"{path} has no record that must trigger {rule.name}"
        assert len(expected) < n, f"{path} has no look-alike that must stay quiet"
        report = run(path, select=[rule.code])
        actual = {(Path(f.location.path).name, f.location.line) for f in report.findings}
    assert not report.errors, report.errors
    missing = expected - actual
    extra = actual - expected
    assert not missing and not extra, (
        f"{rule.name}: missing {sorted(missing, key=str)}, unexpected {sorted(extra, key=str)}: "
        + "; ".join(f"{f.location.line}: {f.message}" for f in report.findings
                    if (Path(f.location.path or '').name, f.location.line) in extra))
