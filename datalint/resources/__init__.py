"""Shared resources built lazily, once per run, for the dataset rules that declare them.

Embeddings come in two tiers (see :mod:`.static`): ``fast``, a static model distilled from the
chosen sentence-transformers model, embeds every text and backs the kNN index; ``full``, the
model itself, confirms the few pairs that become findings.  Both are cached on disk by (model
identity, text hash).  Nothing here imports torch until a ``full`` vector is actually needed.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from ..io.record import Record
from .texts import (alternatives_text, normalize, prompt_text, rejected_text, response_text,
                    strip_lines, template_lines)

ROLES = ("prompt", "response")
#: characters of a text that are embedded (the full model reads 256 tokens, about 1,000
#: characters; the fast model 512 tokens)
MAX_EMBED_CHARS = 4000


@dataclass
class Neighbours:
    """The k nearest distinct texts of each distinct text of one role (fast tier).

    ``of_record[r]`` is the distinct-text id of record ``r`` (-1 for an empty text);
    ``records[t]`` the records holding distinct text ``t``; ``sims``/``idx`` are (n_texts, k),
    nearest first, with -1 in ``idx`` where there are fewer than k other texts.
    """

    texts: list[str]
    of_record: np.ndarray
    records: list[list[int]]
    vectors: np.ndarray
    sims: np.ndarray
    idx: np.ndarray

    def nn_similarity(self) -> np.ndarray:
        """Similarity of each distinct text to its nearest other text (-1 when alone)."""
        if self.sims.shape[1] == 0:
            return np.full(len(self.texts), -1.0, dtype=np.float32)
        return np.where(self.idx[:, 0] >= 0, self.sims[:, 0], -1.0)

    def median_distance(self) -> float:
        """Median distance (1 - similarity) from a text to its nearest other text."""
        nn = self.nn_similarity()
        return float(np.median(1.0 - nn[nn >= 0])) if (nn >= 0).any() else 0.0


def row_dots(vectors: np.ndarray, pairs: np.ndarray, chunk: int = 65536) -> np.ndarray:
    """``vectors[i] . vectors[j]`` for each pair, a chunk of pairs at a time: gathering both
    sides of millions of pairs at once would take gigabytes."""
    out = np.empty(len(pairs), dtype=np.float32)
    for a in range(0, len(pairs), chunk):
        p = pairs[a:a + chunk]
        out[a:a + chunk] = np.einsum("ij,ij->i", vectors[p[:, 0]], vectors[p[:, 1]])
    return out


@dataclass
class ResourceSettings:
    """What the shared resources need to know of the run."""

    #: a local sentence-transformers folder, or None for the bundled default
    model: str | None = None
    #: the cache folder (embeddings, neighbours, the distilled model), or None: no disk cache
    cache_dir: Path | None = None
    #: neighbours per text: the largest any selected rule asks for
    k: int = 10
    #: one-line status on stderr for long steps
    progress: bool = False
    #: the eval records (``--eval``) and the production sample (``--production``)
    eval: list[Record] | None = None
    production: list[Record] | None = None
    #: the field or column holding the production input (None: found per record)
    production_field: str | None = None
    #: tests: tier -> callable(list[str]) -> array, replacing the models
    encoders: dict[str, Callable] | None = None
    #: rule class -> the options that rule has in this run (None: every rule's defaults)
    options: Callable[[type], Any] | None = None
    #: the scripts the embedding model represents (see :mod:`.coverage`); None: read from the
    #: model's vocabulary (with injected ``encoders``: every script)
    scripts: frozenset[str] | None = None


#: Lines shared by at least this share of a role's texts are a template (masked before
#: embedding and near-duplicate shingling).
TEMPLATE_SHARE = 0.05


class Resources:
    """Built on first use and kept for the run: every rule that asks gets the same object."""

    def __init__(self, records: list[Record] | None, settings: ResourceSettings | None = None):
        self.records = records or []
        self.settings = settings if settings is not None else ResourceSettings()
        self._memo: dict[Any, Any] = {}
        #: sentences for the report's notes (what was left out and why)
        self.notes: list[str] = []

    def status(self, message: str | None) -> None:
        """A one-line status on stderr for long steps (only with progress on: a TTY)."""
        if not self.settings.progress:
            return
        import sys

        sys.stderr.write("\r\x1b[K" + (message or ""))
        sys.stderr.flush()

    def _get(self, key, build):
        if key not in self._memo:
            self._memo[key] = build()
        return self._memo[key]

    # -- texts ----------------------------------------------------------------------------
    def texts(self, role: str) -> list[str]:
        """The prompt, response, rejected or alternatives text of every record, in record
        order (see :mod:`datalint.resources.texts`)."""
        fn = {"prompt": prompt_text, "response": response_text, "rejected": rejected_text,
              "alternatives": alternatives_text}[role]
        return self._get(("texts", role), lambda: [fn(r) for r in self.records])

    def normalized(self, role: str) -> list[str]:
        return self._get(("norm", role), lambda: [normalize(t) for t in self.texts(role)])

    def content_hashes(self) -> list[str]:
        return self._get("hashes", lambda: [r.content_hash() for r in self.records])

    def template(self, role: str) -> frozenset[str]:
        """Lines shared by many records' texts of a role (a preamble, a tool header)."""
        return self._get(("template", role),
                         lambda: template_lines(self.texts(role), TEMPLATE_SHARE))

    def embed_texts(self, role: str) -> list[str]:
        """The texts that are embedded: template lines shared by many records removed."""
        return self._get(("masked", role),
                         lambda: strip_lines(self.texts(role), self.template(role)))

    # -- what the model covers -------------------------------------------------------------
    def model_scripts(self) -> frozenset[str] | None:
        """The scripts the embedding model's vocabulary holds; None: every script."""
        def build():
            if self.settings.scripts is not None:
                return self.settings.scripts
            if self.settings.encoders is not None:
                return None
            from .coverage import model_scripts

            return model_scripts(self._spec().path)
        return self._get("scripts", build)

    def uncovered(self, role: str) -> list[str | None]:
        """Per record, the script of its (template-masked) ``role`` text when the embedding
        model does not represent it, else None.  Such texts are left out of every semantic
        comparison: an English model sees different Chinese sentences as one vector."""
        def build():
            held = self.model_scripts()
            texts = self.embed_texts(role)
            if held is None:
                return [None] * len(texts)
            from .coverage import text_script

            return [text_script(t, held) if t else None for t in texts]
        return self._get(("uncovered", role), build)

    def note_uncovered(self, role: str) -> None:
        """Say once in the report how many ``role`` texts the semantic checks left out."""
        scripts = [s for s in self.uncovered(role) if s]
        if not scripts or ("noted", role) in self._memo:
            return
        self._memo[("noted", role)] = True
        from collections import Counter

        by = ", ".join(f"{n:,} in {s} script" for s, n in Counter(scripts).most_common())
        from .embeddings import DEFAULT_MODEL_NAME

        name = (self.settings.model or DEFAULT_MODEL_NAME).rstrip("/").rsplit("/", 1)[-1]
        self.notes.append(
            f"{len(scripts):,} {role} texts were left out of the semantic checks ({by}): the "
            f"embedding model ({name}) does not cover that script; pass --model with a local "
            "multilingual sentence-transformers model to compare them")

    # -- embeddings -----------------------------------------------------------------------
    def embedder(self, tier: str):
        return self._get(("embedder", tier), lambda: self._build_embedder(tier))

    def _build_embedder(self, tier: str):
        from .embeddings import EmbeddingCache, Embedder

        injected = self.settings.encoders
        if injected is not None:
            return Embedder(encode=injected[tier], identity=f"injected:{tier}")
        cache_dir = self.settings.cache_dir
        spec = self._spec()
        cache = self._get("cache", lambda: EmbeddingCache(cache_dir / "embeddings.sqlite3")
                          if cache_dir is not None else None)
        if cache is not None and cache.disabled_reason:
            from .embeddings import warn

            warn(cache.disabled_reason)
        progress = self.settings.progress
        if tier == "full":
            return Embedder(spec, cache=cache, progress=progress)
        from .static import load_static

        static = load_static(spec, cache_dir)
        return Embedder(encode=static.encode, identity=static.identity, cache=cache,
                        batch_size=4096)

    def _spec(self):
        from .embeddings import ModelSpec

        return self._get("spec", lambda: ModelSpec(self.settings.model, self.settings.cache_dir))

    def vectors(self, role: str, tier: str = "fast") -> np.ndarray:
        """Unit vectors of every record's (template-masked) text; zero rows for empty texts."""
        return self._get(("vec", role, tier), lambda: self._embed_rows(
            self.embed_texts(role), tier))

    def _embed_rows(self, texts: Sequence[str], tier: str) -> np.ndarray:
        # both models read at most a few hundred tokens: a 50 MB "answer" is cut before the
        # tokenizer sees it, not after
        texts = [t[:MAX_EMBED_CHARS] for t in texts]
        rows = [i for i, t in enumerate(texts) if t]
        if not rows:
            return np.zeros((len(texts), 0), dtype=np.float32)
        self.status(f"embedding {len(rows):,} texts ({tier} model)…")
        vecs = self.embedder(tier).embed([texts[i] for i in rows])
        self.status(None)
        out = np.zeros((len(texts), vecs.shape[1]), dtype=np.float32)
        out[rows] = vecs
        return out

    def embed(self, texts: Sequence[str], tier: str = "full") -> np.ndarray:
        """Unit vectors of arbitrary texts (eval or production samples); zero rows if empty."""
        return self._embed_rows(list(texts), tier)

    def pair_similarity(self, role: str, pairs: np.ndarray, tier: str = "full") -> np.ndarray:
        """Cosine similarity of the role texts of record pairs, embedding only those records."""
        if len(pairs) == 0:
            return np.zeros(0, dtype=np.float32)
        if tier == "fast":
            return row_dots(self.vectors(role, "fast"), pairs)
        texts = self.embed_texts(role)
        rows = np.unique(pairs.ravel())
        vecs = self._embed_rows([texts[i] for i in rows], tier)
        pos = {int(r): k for k, r in enumerate(rows)}
        local = np.array([[pos[int(i)], pos[int(j)]] for i, j in pairs], dtype=np.int64)
        return row_dots(vecs, local)

    def full_scale(self, role: str, sample: int = 128, seed: int = 0) -> float:
        """Median distance from a text to its nearest neighbour under the full model.

        Embedding every text with the full model is what the fast tier avoids, so this is
        estimated on a seeded sample of distinct texts paired with their fast-tier nearest
        neighbour (at most ``2 * sample`` texts embedded, then cached)."""
        def build() -> float:
            nb = self.neighbours(role)
            have = np.flatnonzero(nb.idx[:, 0] >= 0) if nb.idx.shape[1] else np.zeros(0, int)
            if len(have) == 0:
                return 0.0
            rng = np.random.default_rng(seed)
            pick = np.sort(rng.choice(have, min(sample, len(have)), replace=False))
            a = self.embed([nb.texts[i] for i in pick], "full")
            b = self.embed([nb.texts[nb.idx[i, 0]] for i in pick], "full")
            return float(np.median(1.0 - np.einsum("ij,ij->i", a, b)))
        return self._get(("full_scale", role), build)

    # -- nearest neighbours -----------------------------------------------------------------
    def neighbours(self, role: str) -> Neighbours:
        """kNN over the distinct non-empty texts of a role (fast tier), built once."""
        return self._get(("knn", role), lambda: self._build_neighbours(role))

    def _build_neighbours(self, role: str) -> Neighbours:
        from .knn import knn

        texts = self.embed_texts(role)
        uncovered = self.uncovered(role)
        self.note_uncovered(role)
        ids: dict[str, int] = {}
        of_record = np.full(len(texts), -1, dtype=np.int64)
        records: list[list[int]] = []
        for r, t in enumerate(texts):
            if t and uncovered[r] is None:
                i = ids.setdefault(t, len(ids))
                if i == len(records):
                    records.append([])
                records[i].append(r)
                of_record[r] = i
        distinct = list(ids)
        first = [rs[0] for rs in records]
        vecs = self.vectors(role, "fast")[first] if first else np.zeros((0, 0), np.float32)
        k = self.settings.k
        sims, idx = self._cached_knn(distinct, vecs, k, knn)
        return Neighbours(distinct, of_record, records, vecs, sims, idx)

    def _cached_knn(self, texts: list[str], vecs: np.ndarray, k: int, search):
        """The kNN result, kept on disk by a digest of (model, k, every text in order): an
        unchanged dataset (a pre-commit or CI re-run) skips the search."""
        cache_dir = self.settings.cache_dir
        if cache_dir is None or self.settings.encoders is not None or not texts:
            return search(vecs, k)
        import hashlib

        from .embeddings import text_hash

        h = hashlib.blake2b(digest_size=20)
        h.update(f"{self.embedder('fast').identity}|{k}|{len(texts)}".encode())
        for t in texts:
            h.update(text_hash(t))
        path = cache_dir / "knn" / f"{h.hexdigest()}.npz"
        try:
            with np.load(path) as z:
                sims, idx = z["sims"], z["idx"]
            if sims.shape == (len(texts), k) and idx.shape == (len(texts), k):
                return sims, idx
        except (OSError, ValueError, KeyError, EOFError):
            pass  # missing or damaged: search again
        self.status(f"finding the {k} nearest neighbours of {len(texts):,} texts…")
        sims, idx = search(vecs, k)
        self.status(None)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")
            np.savez(tmp, sims=sims, idx=idx)
            os.replace(tmp, path)
        except OSError:
            pass
        return sims, idx

    # -- measurements that rules share -----------------------------------------------------
    def options(self, rule: type) -> Any:
        """The options ``rule`` (a rule class) has in this run: the user's, also when the rule
        is not selected; its defaults outside a run."""
        of = self.settings.options
        return of(rule) if of is not None else rule.Options()

    def measurement(self, rule: type, build: Callable[["Resources", Any], Any],
                    options: Any = None) -> Any:
        """What ``build(resources, options)`` measures, for a measurement that ``rule`` (a rule
        class) owns and other rules read too; built once per options.  ``options``: the
        owner's own; another rule leaves it out and gets the owner's options of this run
        (:meth:`options`), so it sees what the user configured for the owner."""
        if options is None:
            options = self.options(rule)
        key = ("measurement", rule.code, dataclasses.astuple(options))
        return self._get(key, lambda: build(self, options))

    # -- answers (diversity and style rules) --------------------------------------------------
    def answers(self) -> list[tuple[int, str]]:
        """(record index, text) of every non-empty assistant turn, one entry per turn (the
        whole text of a plain-text record); see :mod:`.textstats`."""
        from .textstats import answer_turns

        return self._get("answers", lambda: answer_turns(self.records))

    def answer_kinds(self):
        """The answers split into answers of sentence length and short ones (labels), and
        whether the set is label-only: :class:`~.textstats.AnswerKinds`."""
        from .textstats import answer_kinds

        return self._get("answer-kinds", lambda: answer_kinds(self.answers()))
