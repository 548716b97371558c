"""Acceptance on real public fine-tuning files (../shared/corpora), at default settings.

These files were written by other people and their defects are documented in the corpora
README; the tests skip when the folder is absent.  They check what must be found, and guard the
false-positive rates seen there (a cap, not an exact count, so honest rule improvements pass).
"""

from __future__ import annotations

import pytest

from .helpers import run

pytestmark = pytest.mark.corpora


def _records(report, name):
    return {f.location.index for f in report.findings if f.name == name}


def test_toy_chat(corpora):
    rep = run(corpora / "openai_toy_chat.jsonl", options={"too-long": {"max-tokens": 4096}})
    by = {}
    for f in rep.findings:
        by.setdefault(f.name, set()).add(f.location.line)
    assert by.get("missing-user-turn") == {4}
    assert by.get("too-long") == {5}
    assert 5 in by.get("repeated-content", set())


def test_identity_placeholders(corpora):
    # 85 of 91 outputs hold {{name}} or {{author}}: one finding for the file, every record
    # among its locations
    rep = run(corpora / "llamafactory_identity.json", select=["unfilled-placeholder"])
    (f,) = [f for f in rep.findings if f.name == "unfilled-placeholder"]
    assert f.data["systemic"] and set(f.data["placeholders"]) == {"{{name}}", "{{author}}"}
    assert len({f.location.index} | {r.index for r in f.related}) >= 80


def test_placeholders_on_real_corpora(corpora):
    """Each slot reported in the other real sets is a defect (checked by hand): an input
    that is only a slot, a prompt with an unfilled slot, a user's message with a generated
    name slot.  Letters and e-mails asked for keep their [Your Name]."""
    rep = run(corpora / "alpaca_5000.json", select=["unfilled-placeholder"])
    assert _records(rep, "unfilled-placeholder") == {172, 2081}
    rep = run(corpora / "llamafactory_glaive_toolcall_en_demo.json",
              select=["unfilled-placeholder"])
    assert _records(rep, "unfilled-placeholder") == {31, 58, 193, 250}
    for name in ("llamafactory_alpaca_en_demo.json", "llamafactory_dpo_en_demo.json"):
        assert _records(run(corpora / name, select=["unfilled-placeholder"]),
                        "unfilled-placeholder") == set(), name


def test_alpaca_no_input_and_empty_outputs(corpora):
    rep = run(corpora / "alpaca_5000.json",
              select=["no-input-placeholder", "empty-response"])
    assert len(_records(rep, "no-input-placeholder")) >= 50
    # every spelling the README documents in the input field (17, and a few more)
    inputs = {f.data["value"] for f in rep.findings
              if f.name == "no-input-placeholder" and f.location.field == "input"}
    assert len(inputs) >= 17 and {"Noinput", "<No input>", "{\\noinput}"} <= inputs
    # the "<noinput>" marker heading an answer, the answer after it
    assert {f.location.index for f in rep.findings if f.name == "no-input-placeholder"
            and f.location.field == "output"} == {3122, 3163}
    # The corpora README lists 2 empty outputs and 2 `<nooutput>`; record 1750
    # answers a coding task with the literal "No Output", the same defect; 1844 and 3883
    # answer with nothing but "<noinput>".
    empty = {f.location.index for f in rep.findings if f.name == "empty-response"}
    assert empty == {1275, 1750, 1844, 2335, 3883, 4361, 4658}


def test_alpaca_self_instruct_scaffolds(corpora):
    # answers that go on with the generation template ("11. Instruction: … 11. Input: …")
    rep = run(corpora / "alpaca_5000.json", select=["leaked-special-token"])
    assert _records(rep, "leaked-special-token") == {2710, 2930, 3493, 4052}
    assert all(f.data["pattern"] == "self-instruct-scaffold" for f in rep.findings)


def test_codealpaca_empty_outputs(corpora):
    rep = run(corpora / "codealpaca_2k.json", select=["empty-response"])
    assert len(_records(rep, "empty-response")) == 2


def test_gpteacher_stray_key(corpora):
    rep = run(corpora / "gpteacher_toolformer_dedupe_only.json", select=["schema-drift"])
    fields = {f.location.field for f in rep.findings}
    assert fields == {"example_input"}
    assert len(rep.findings) == 1


@pytest.mark.parametrize("name", ["alpaca_5000.json", "codealpaca_2k.json",
                                  "llamafactory_alpaca_en_demo.json",
                                  "gpteacher_toolformer_dedupe_only.json"])
def test_error_level_false_positive_cap(corpora, name):
    """On large third-party sets, error-level findings stay rare outside the known defects."""
    rep = run(corpora / name)
    assert not rep.errors, rep.errors
    errors = [f for f in rep.findings if f.severity == "error"]
    assert len(errors) <= 0.01 * rep.records, [(f.location.line, f.name, f.message)
                                                for f in errors][:20]
