"""Every rule is documented, has a fixture and a unique code and name."""

from __future__ import annotations

import re

import pytest

from datalint.registry import all_rules
from datalint.rule import DOC_SECTIONS, FAMILIES

from .test_rule_fixtures import fixture_for

RULES = list(all_rules())


def test_codes_and_names_unique():
    codes = [r.code for r in RULES]
    names = [r.name for r in RULES]
    assert len(set(codes)) == len(codes)
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("rule", RULES, ids=[r.name for r in RULES])
def test_rule_metadata(rule):
    assert re.fullmatch(r"[A-Z]\d{3}", rule.code), rule.code
    assert rule.code[0] in FAMILIES
    assert re.fullmatch(r"[a-z]+(-[a-z]+)*", rule.name), rule.name
    assert rule.severity in ("info", "warning", "error")
    assert rule.summary and len(rule.summary) < 100
    sections = rule.doc_sections()
    for s in DOC_SECTIONS:
        assert sections.get(s), f"{rule.name}: docstring lacks a '## {s}' section"
    assert sections[""], f"{rule.name}: docstring needs a one-line description first"


@pytest.mark.parametrize("rule", RULES, ids=[r.name for r in RULES])
def test_rule_has_fixture(rule):
    assert fixture_for(rule) is not None, f"{rule.name}: no fixture in fixtures/rules/"


@pytest.mark.parametrize("rule", RULES, ids=[r.name for r in RULES])
def test_options_documented(rule):
    from datalint.config import options_doc

    doc = rule.doc_sections()["Options"]
    for key, _, _ in options_doc(rule):
        assert f"``{key}``" in doc, f"{rule.name}: option {key} not documented in Options"
