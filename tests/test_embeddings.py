"""The embedding resource: distinct texts embedded once, a disk cache that survives corruption
and gives the same vectors as no cache, offline loading of the bundled model."""

from __future__ import annotations

import hashlib
import sqlite3

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from datalint.errors import UsageError
from datalint.resources.embeddings import (DEFAULT_MODEL_SHA256, EmbeddingCache, Embedder,
                                           ModelSpec)


def fake_encode(calls):
    def encode(texts):
        calls.append(list(texts))
        out = []
        for t in texts:
            seed = int.from_bytes(hashlib.blake2b(t.encode(), digest_size=8).digest(), "little")
            out.append(np.random.default_rng(seed).standard_normal(16))
        return np.array(out, dtype=np.float32)
    return encode


def test_distinct_texts_embedded_once(tmp_path):
    calls = []
    e = Embedder(encode=fake_encode(calls), identity="fake")
    v = e.embed(["a", "b", "a", "a"])
    assert v.shape == (4, 16)
    assert sorted(calls[0]) == ["a", "b"]
    assert np.array_equal(v[0], v[2])
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0)


def test_cache_across_runs(tmp_path):
    cache_path = tmp_path / "c.sqlite3"
    calls = []
    v1 = Embedder(encode=fake_encode(calls), identity="fake",
                  cache=EmbeddingCache(cache_path)).embed(["x", "y"])
    calls2 = []
    v2 = Embedder(encode=fake_encode(calls2), identity="fake",
                  cache=EmbeddingCache(cache_path)).embed(["y", "x", "z"])
    assert calls2 == [["z"]]
    assert np.array_equal(v1[0], v2[1]) and np.array_equal(v1[1], v2[0])
    # another model identity never sees these vectors
    calls3 = []
    Embedder(encode=fake_encode(calls3), identity="other",
             cache=EmbeddingCache(cache_path)).embed(["x"])
    assert calls3 == [["x"]]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.text(max_size=20), min_size=1, max_size=30))
def test_cache_is_bit_identical_to_no_cache(tmp_path_factory, texts):
    path = tmp_path_factory.mktemp("c") / "c.sqlite3"
    plain = Embedder(encode=fake_encode([]), identity="fake").embed(texts)
    Embedder(encode=fake_encode([]), identity="fake", cache=EmbeddingCache(path)).embed(texts[::2])
    cached = Embedder(encode=fake_encode([]), identity="fake",
                      cache=EmbeddingCache(path)).embed(texts)
    assert plain.tobytes() == cached.tobytes()


def test_corrupt_cache_is_rebuilt(tmp_path):
    path = tmp_path / "c.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    calls = []
    e = Embedder(encode=fake_encode(calls), identity="fake", cache=EmbeddingCache(path))
    assert e.embed(["a"]).shape == (1, 16)
    assert e.cache.conn is not None
    assert list(tmp_path.glob("c.sqlite3.corrupt-*"))


def test_truncated_vector_is_a_miss(tmp_path):
    path = tmp_path / "c.sqlite3"
    cache = EmbeddingCache(path)
    v1 = Embedder(encode=fake_encode([]), identity="fake", cache=cache).embed(["a", "b"])
    cache.conn.execute("UPDATE emb SET v = substr(v, 1, 8)")
    calls = []
    v2 = Embedder(encode=fake_encode(calls), identity="fake", cache=EmbeddingCache(path)).embed(
        ["a", "b"])
    assert sorted(calls[0]) == ["a", "b"]
    assert np.array_equal(v1, v2)


def test_user_model_without_safetensors_is_refused(tmp_path):
    (tmp_path / "pytorch_model.bin").write_bytes(b"pickle")
    with pytest.raises(UsageError, match="safetensors"):
        ModelSpec(tmp_path)


def test_missing_model_folder(tmp_path):
    with pytest.raises(UsageError, match="never downloads"):
        ModelSpec(tmp_path / "nope")


@pytest.mark.slow
def test_bundled_model_offline(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    spec = ModelSpec(cache_dir=tmp_path)
    assert spec.identity == DEFAULT_MODEL_SHA256
    e = Embedder(spec, cache=EmbeddingCache(tmp_path / "c.sqlite3"))
    v = e.embed(["How do I reset my password?", "I forgot my password, how can I change it?",
                 "The capital of France is Paris."])
    assert v.shape == (3, 384)
    sims = v @ v.T
    assert sims[0, 1] > sims[0, 2] + 0.3
