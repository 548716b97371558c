"""benchmarks/precision.py: the judgement files it reads, its sample and its record lookup
(no corpora needed)."""

from __future__ import annotations

import importlib.util
import json
import sys

import pytest

from .conftest import ROOT

_spec = importlib.util.spec_from_file_location("precision_benchmark",
                                               ROOT / "benchmarks" / "precision.py")
p = importlib.util.module_from_spec(_spec)
sys.modules["precision_benchmark"] = p
_spec.loader.exec_module(p)


def test_the_committed_judgements_are_well_formed():
    # every line names a file, a record, a rule and one of the three verdicts, with a reason;
    # one judgement per (file, record, rule) and the file named after the rule
    folder = ROOT / "benchmarks" / "judgements"
    seen = set()
    for path in sorted(folder.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            j = json.loads(line)
            assert j["code"] == path.stem, (path.name, j)
            assert j["verdict"] in p.VERDICTS and j["why"].strip(), (path.name, j)
            key = (j["file"], j["record"], j["code"])
            assert key not in seen, key
            seen.add(key)
    judged = p.load_judgements(folder)
    assert set(judged) == seen


def test_a_line_without_a_verdict_is_refused_with_its_place(tmp_path):
    (tmp_path / "C002.jsonl").write_text(
        '{"file": "a.json", "record": 1, "code": "C002", "verdict": "true", "why": "x"}\n'
        '{"file": "a.json", "record": 2, "code": "C002", "verdict": null, "why": ""}\n')
    with pytest.raises(ValueError, match=r"C002.jsonl:2: verdict must be"):
        p.load_judgements(tmp_path)
    (tmp_path / "C002.jsonl").write_text('{"file": "a.json"}\n')
    with pytest.raises(ValueError, match=r"C002.jsonl:1: not a judgement"):
        p.load_judgements(tmp_path)


def test_the_sample_is_seeded_bounded_and_one_per_record():
    f = {"message": "m", "location": {"record_index": 0}}
    items = {"C007": [(("a.json", i, "C007"), f) for i in range(50)]
             + [(("a.json", 3, "C007"), f)],  # the same record twice: judged once
             "P001": [(("b.json", 1, "P001"), f)]}
    one, two = p.sample(items, 10, seed=0), p.sample(items, 10, seed=0)
    assert one == two
    assert len(one["C007"]) == 10 and len({k for k, _ in one["C007"]}) == 10
    assert [k for k, _ in one["P001"]] == [("b.json", 1, "P001")]
    assert [k for k, _ in p.sample(items, 10, seed=1)["C007"]] != [k for k, _ in one["C007"]]
    assert len(p.sample(items, 100, seed=0)["C007"]) == 50
    # files are taken in turn: a small file is not drowned by a large one
    mixed = {"C002": [(("big.json", i, "C002"), f) for i in range(100)]
             + [(("small.json", i, "C002"), f) for i in range(3)]}
    files = [k[0] for k, _ in p.sample(mixed, 8, seed=0)["C002"]]
    assert files.count("small.json") == 3 and files.count("big.json") == 5


def test_record_text_reads_arrays_and_json_lines(tmp_path):
    arr = tmp_path / "a.json"
    arr.write_text(json.dumps([{"instruction": "one"}, {"instruction": "two"}]))
    lines = tmp_path / "b.jsonl"
    lines.write_text('{"prompt": "x"}\n\n{"prompt": "y"}\n')
    assert '"two"' in p.record_text(arr, 1)
    assert '"y"' in p.record_text(lines, 1)
    assert p.record_text(lines, None) == "(dataset-level finding)"
    assert p.record_text(arr, 0, limit=5).endswith(" …")
