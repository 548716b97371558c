"""Logic of the embedding-backed duplicate rules, with a small injected encoder.

The encoder is a hashed bag of words: texts sharing most words are close, unrelated texts are
far.  It stands in for the models so that the tests check datalint's logic (pairing,
relative thresholds, clusters, template masking, order independence), not a model's taste;
the real models are exercised by the rule fixtures.
"""

from __future__ import annotations

import dataclasses

import hashlib
import random

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from datalint.config import Config, merge_cli
from datalint.pipeline.engine import Engine
from datalint.resources.knn import knn
from datalint.resources.texts import strip_lines, template_lines

from .helpers import write_jsonl

DIM = 256


def bag_of_words(texts: list[str]) -> np.ndarray:
    out = np.zeros((len(texts), DIM), dtype=np.float32)
    for i, t in enumerate(texts):
        for w in t.lower().replace("?", " ").replace(".", " ").replace(",", " ").split():
            h = int.from_bytes(hashlib.blake2b(w.encode(), digest_size=4).digest(), "little")
            out[i, h % DIM] += 1.0
    return out


def lint(tmp_path, records, select, eval_records=None, options=None, name="data.jsonl",
         encoder=bag_of_words):
    path = write_jsonl(tmp_path / name, records)
    cfg = merge_cli(Config(), select=select, options=options)
    if eval_records is not None:
        cfg.eval = [str(write_jsonl(tmp_path / "eval.jsonl", eval_records))]
    eng = Engine(cfg)
    base = eng._resource_settings
    eng._resource_settings = lambda rules, report: dataclasses.replace(
        base(rules, report), encoders={"fast": encoder, "full": encoder})
    return eng.run([str(path)])


def diverse(n: int, seed: int = 0) -> list[dict]:
    """Records that share almost no words: made-up words drawn from a large vocabulary."""
    rng = random.Random(seed)
    word = lambda: "".join(rng.choice("bcdfghklmnprstvz") + rng.choice("aeiou")  # noqa: E731
                           for _ in range(3))
    return [{"instruction": " ".join(word() for _ in range(6)),
             "output": " ".join(word() for _ in range(10))} for _ in range(n)]


def paraphrase_pair():
    a = {"instruction": "Explain how a mountain volcano erupts with lava and ash",
         "output": "Magma rises through the crust, pressure builds, and lava and ash erupt."}
    b = {"instruction": "Explain how lava and ash erupt from a mountain volcano",
         "output": "Pressure builds as magma rises through the crust, then lava and ash erupt."}
    return a, b


def test_paraphrase_is_a_semantic_duplicate_and_diverse_records_are_not(tmp_path):
    data = diverse(40)
    a, b = paraphrase_pair()
    data[10], data[30] = a, b
    rep = lint(tmp_path, data, ["semantic-duplicate"])
    assert [(f.location.line, f.data["cluster_size"]) for f in rep.findings] == [(31, 2)]
    assert rep.findings[0].related[0].line == 11


def test_prompts_with_different_numbers_are_not_duplicates(tmp_path):
    data = diverse(40)
    ask = "Sort these numbers from the smallest to the largest value and show them:"
    done = "Here are the numbers sorted from the smallest to the largest value:"
    data[5] = {"instruction": f"{ask} 8, 3, 5, 1", "output": f"{done} 1, 3, 5, 8"}
    data[25] = {"instruction": f"{ask} 9, 2, 7, 4", "output": f"{done} 2, 4, 7, 9"}
    rep = lint(tmp_path, data, ["semantic-duplicate"])
    assert rep.findings == []
    rep = lint(tmp_path, data, ["semantic-duplicate"],
               options={"semantic-duplicate": {"numbers-must-match": False}})
    assert {f.location.line for f in rep.findings} == {26}


def test_shared_preamble_does_not_make_one_cluster(tmp_path):
    preamble = ("toolformer: enabled\ntoolformer access: search\nA search engine. Useful for "
                "questions about current events.\nsearch(query)\n")
    data = [{"instruction": preamble + r["instruction"], "output": r["output"]}
            for r in diverse(60)]
    rep = lint(tmp_path, data, ["semantic-duplicate"])
    assert rep.findings == []


@settings(max_examples=8, deadline=None)
@given(st.randoms(use_true_random=False))
def test_clusters_do_not_depend_on_record_order(tmp_path_factory, rnd):
    tmp = tmp_path_factory.mktemp("order")
    data = diverse(30)
    a, b = paraphrase_pair()
    data += [a, b, dict(a, output=a["output"] + " Then it cools.")]
    def clusters(records):
        # semantic-duplicate sees a near-duplicate cluster as the one record it keeps (the
        # first in file order): the records grouped as copies by both rules together are
        # what must not depend on the order
        rep = lint(tmp, records, ["semantic-duplicate", "near-duplicate"])
        groups: list[set[str]] = []
        for f in rep.findings:
            members = {records[m["record_index"]]["output"] for m in [f.data["keep"],
                                                                      *f.data["drop"]]}
            for g in [g for g in groups if g & members]:
                groups.remove(g)
                members |= g
            groups.append(members)
        return {frozenset(g) for g in groups}
    shuffled = data[:]
    rnd.shuffle(shuffled)
    assert clusters(data) == clusters(shuffled)
    assert clusters(data)


def test_contradiction_needs_short_differing_answers(tmp_path):
    data = diverse(40)
    data[3] = {"instruction": "Is the great wall of china visible from space", "output": "No"}
    data[20] = {"instruction": "Is the great wall of china visible from outer space", "output": "Yes"}
    data[7] = {"instruction": "Is the eiffel tower taller than big ben in london", "output": "Yes"}
    data[27] = {"instruction": "Is the eiffel tower taller than big ben of london", "output": "yes."}
    data[9] = {"instruction": "Write a poem about the quiet winter moon tonight",
               "output": "Pale lantern of the night, you pour your silver over the roofs."}
    data[29] = {"instruction": "Write a poem about the quiet winter moon tonight please",
                "output": "Round white stone in a black pond, the moon floats and never answers."}
    rep = lint(tmp_path, data, ["contradiction"])
    assert [(f.location.line, f.related[0].line) for f in rep.findings] == [(21, 4)]
    assert rep.findings[0].data["answers"] == ["No", "Yes"]


def test_contradiction_pairs_are_symmetric(tmp_path):
    data = diverse(40)
    x = {"instruction": "Is the great wall of china visible from space", "output": "No"}
    y = {"instruction": "Is the great wall of china visible from outer space", "output": "Yes"}
    fwd = lint(tmp_path, data[:10] + [x] + data[10:30] + [y] + data[30:], ["contradiction"])
    rev = lint(tmp_path, data[:10] + [y] + data[10:30] + [x] + data[30:], ["contradiction"])
    pair = lambda rep: {frozenset(rep.findings[0].data["prompts"])}  # noqa: E731
    assert len(fwd.findings) == len(rev.findings) == 1
    assert pair(fwd) == pair(rev)


def test_train_eval_overlap_kinds(tmp_path):
    train = diverse(40)
    train[4] = {"instruction": "What is the capital city of Australia", "output": "Canberra"}
    train[8] = {"instruction": "Write a long story about a brave little lighthouse keeper "
                               "who saves a ship in a storm", "output": "Once upon a time..."}
    evals = [
        {"instruction": "what is the capital city of australia?", "output": "Canberra"},
        {"instruction": "Write a long story about a brave little lighthouse keeper who saves "
                        "a ship in a storm tonight", "output": "The storm came at night..."},
        {"instruction": "Completely unrelated: name a famous jazz trumpet player", "output": "x"},
    ]
    rep = lint(tmp_path, train, ["train-eval-overlap"], eval_records=evals)
    kinds = {(f.location.line, f.data["kind"], f.data["same_answer"]) for f in rep.findings}
    assert kinds == {(1, "exact", True), (2, "near-exact", False)}
    assert all(f.location.path.endswith("eval.jsonl") for f in rep.findings)


def test_train_eval_overlap_is_skipped_without_eval(tmp_path):
    rep = lint(tmp_path, diverse(10), ["train-eval-overlap"])
    assert rep.findings == []
    assert [s.name for s in rep.skipped] == ["train-eval-overlap"]


def test_knn_excludes_self_and_pads():
    v = np.eye(3, dtype=np.float32)
    v = np.vstack([v, v[0:1]])  # row 3 equals row 0
    sims, idx = knn(v, 4)
    assert idx.shape == (4, 4)
    for r in range(4):
        assert r not in idx[r][idx[r] >= 0]
    assert idx[0, 0] == 3 and idx[3, 0] == 0 and sims[0, 0] == pytest.approx(1.0)
    assert (idx[:, 3] == -1).all()


def test_template_lines_are_masked_only_inside_longer_texts():
    pre = "You are a helpful assistant.\nAnswer briefly."
    texts = [f"{pre}\nQuestion {i}" for i in range(20)] + ["Answer briefly."] * 3
    common = template_lines(texts, 0.05)
    assert common == {"You are a helpful assistant.", "Answer briefly."}
    out = strip_lines(texts, common)
    assert out[0] == "Question 0" and out[-1] == "Answer briefly."


def test_knn_result_cache_is_bit_identical_and_skips_the_search(tmp_path):
    from datalint.resources import Resources, ResourceSettings

    class FastIdentity:
        identity = "test-model"

    res = Resources([], ResourceSettings(cache_dir=tmp_path))
    res._memo[("embedder", "fast")] = FastIdentity()
    vecs = bag_of_words([f"text number {i} about {w}" for i, w in enumerate("abcdefgh")])
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    texts = [f"t{i}" for i in range(len(vecs))]
    calls = []

    def search(v, k):
        calls.append(k)
        return knn(v, k)

    first = res._cached_knn(texts, vecs, 3, search)
    second = res._cached_knn(texts, vecs, 3, search)
    assert calls == [3]
    assert first[0].tobytes() == second[0].tobytes() and (first[1] == second[1]).all()
    res._cached_knn(texts[:-1] + ["changed"], vecs, 3, search)  # other texts: searched again
    assert calls == [3, 3]
    for f in (tmp_path / "knn").iterdir():  # a damaged file is searched again, not fatal
        f.write_bytes(b"not an npz")
    res._cached_knn(texts, vecs, 3, search)
    assert calls == [3, 3, 3]


def test_embedding_options_from_config_and_command_line(tmp_path):
    from datalint.config import load_config

    (tmp_path / "datalint.toml").write_text(
        'model = "models/st"\ncache-dir = "cache"\neval = ["eval.jsonl"]\n')
    (tmp_path / "models" / "st").mkdir(parents=True)
    (tmp_path / "models" / "st" / "model.safetensors").write_bytes(b"")
    cfg = load_config(tmp_path / "datalint.toml")
    assert cfg.model == str(tmp_path / "models" / "st")
    assert cfg.cache_dir == str(tmp_path / "cache")
    assert cfg.eval == [str(tmp_path / "eval.jsonl")]
    cfg = merge_cli(cfg, no_cache=True, eval_files=("other.jsonl",))
    eng = Engine(merge_cli(cfg, select=["semantic-duplicate"]))
    settings = eng._resource_settings(list(eng.instances.values()), None)
    assert settings.cache_dir is None and settings.model == cfg.model
    assert settings.k == 10


def test_model_option_must_be_a_model_folder(tmp_path):
    from click.testing import CliRunner

    from datalint.cli import main

    data = write_jsonl(tmp_path / "d.jsonl", diverse(5))
    (tmp_path / "empty-model").mkdir()
    r = CliRunner().invoke(main, ["check", str(data), "--select", "semantic-duplicate",
                                  "--model", str(tmp_path / "empty-model")])
    assert r.exit_code == 2
    assert "no model.safetensors" in r.output and "Traceback" not in r.output


def test_prepare_refuses_a_folder_without_a_model(tmp_path):
    from click.testing import CliRunner

    from datalint.cli import main

    (tmp_path / "m").mkdir()
    r = CliRunner().invoke(main, ["prepare", "--model", str(tmp_path / "m")])
    assert r.exit_code == 2 and "no model.safetensors" in r.output


def test_a_prepared_model_is_used_before_the_cache(tmp_path, monkeypatch):
    from datalint.resources import static
    from datalint.resources.embeddings import ModelSpec

    model = tmp_path / "st"
    model.mkdir()
    (model / "model.safetensors").write_bytes(b"weights")
    spec = ModelSpec(model)
    monkeypatch.setattr(static, "installed_dir", lambda: tmp_path / "share")
    built = []
    monkeypatch.setattr(static, "_distill", lambda spec, out: (
        built.append(out), out.mkdir(parents=True, exist_ok=True),
        (out / "model.safetensors").write_bytes(b"m2v"), (out / "config.json").write_text("{}")))
    folder = static.prepare(spec)
    assert folder.parent == tmp_path / "share" and len(built) == 1
    loaded = static.load_static(spec, tmp_path / "cache", quiet=True)
    assert loaded.folder == folder and len(built) == 1  # no second distillation
    assert not (tmp_path / "cache" / "static").exists()
