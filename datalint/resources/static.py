"""The fast embedding tier: a static (model2vec) model distilled from the chosen model.

A transformer such as all-MiniLM-L6-v2 embeds ~40 texts/s on a 2-core CPU; a static model
distilled from it (every vocabulary token embedded once by the transformer, reduced with PCA
and Zipf weighting: Tulkens & van Dongen, model2vec) embeds thousands per second.  Its
neighbours agree with the transformer's only in part, so datalint uses it to *propose*: a kNN
index over every text, candidate pairs, sampled statistics.  Pairs that become findings are
confirmed with the transformer itself.

The distillation reads only the local model folder (offline, safetensors) and takes ~30-40 s
on a 2-core CPU, once: the result is kept under the cache folder, keyed by the sha256 of the
source weights, and written atomically so two runs can build it at the same time.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sys
import tempfile
from pathlib import Path
import numpy as np

from .embeddings import ModelSpec, offline

#: PCA dimensions of the distilled model (model2vec's default).
PCA_DIMS = 256
_FORMAT = "m2v-0.10-pca256"


def _note(msg: str) -> None:
    clear = "\r\x1b[K" if sys.stderr.isatty() else ""  # over a progress line, if any
    sys.stderr.write(f"{clear}datalint: {msg}\n")
    sys.stderr.flush()


def _distill(spec: ModelSpec, out: Path) -> None:
    with offline():
        try:
            from model2vec.distill import distill
            from transformers.utils import logging as hf_logging

            hf_logging.set_verbosity_error()
            hf_logging.disable_progress_bar()
        except ImportError:
            from ..errors import UsageError

            raise UsageError("the fast embedding tier needs the package `model2vec[distill]`; "
                             "install it, or deselect the embedding rules") from None
        # the libraries' own progress bars and load reports would bury datalint's output
        with open(os.devnull, "w") as devnull, contextlib.redirect_stderr(devnull), \
                contextlib.redirect_stdout(devnull):
            model = distill(model_name=str(spec.path), pca_dims=PCA_DIMS,
                            trust_remote_code=False)
    model.save_pretrained(str(out))


class StaticModel:
    """A distilled model: ``encode(texts) -> (n, PCA_DIMS) float32``.  Its identity (the
    weights' digest) is known without loading it; the weights load on the first ``encode``,
    so a run that finds every vector in the cache never loads them."""

    def __init__(self, folder: Path):
        self.folder = folder
        weights = folder / "model.safetensors"
        if not (folder / "config.json").is_file():
            raise OSError(f"{folder}: incomplete distilled model")
        self.identity = "m2v:" + _file_digest(weights)
        self._m = None

    def load(self) -> "StaticModel":
        if self._m is None:
            from model2vec import StaticModel as _M

            with offline():
                self._m = _M.from_pretrained(str(self.folder), force_download=False)
        return self

    def encode(self, texts: list[str]) -> np.ndarray:
        self.load()
        return np.asarray(self._m.encode(texts, show_progress_bar=False, use_multiprocessing=False),
                          dtype=np.float32)


def _file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:32]


def installed_dir() -> Path:
    """Where ``datalint prepare`` keeps distilled models beside the installation (the
    virtual environment), so that the first lint after setup does not pay the distillation."""
    return Path(sys.prefix) / "share" / "datalint" / "static"


def prepare(spec: ModelSpec) -> Path:
    """Distil the fast model for ``spec`` into :func:`installed_dir` (once)."""
    name = f"{spec.identity[:24]}-{_FORMAT}"
    folder = installed_dir() / name
    if not (folder / "model.safetensors").is_file():
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".building-", dir=folder.parent))
        try:
            _distill(spec, tmp)
            with contextlib.suppress(OSError):
                os.rename(tmp, folder)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    StaticModel(folder)  # complete and readable
    return folder


def load_static(spec: ModelSpec, cache_dir: Path | None, *, quiet: bool = False,
                _retry: bool = True) -> StaticModel:
    """The static model distilled from ``spec``: from the cache folder, or built now."""
    if cache_dir is None:
        tmp = Path(tempfile.mkdtemp(prefix="datalint-static-"))
        try:
            if not quiet:
                _note(f"distilling a fast embedding model from {spec.display_name} "
                      "(about 40 s; not kept: the cache is off)")
            _distill(spec, tmp / "m")
            return StaticModel(tmp / "m").load()  # loaded now: the folder goes away
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    name = f"{spec.identity[:24]}-{_FORMAT}"
    prepared = installed_dir() / name  # built by `datalint prepare` at setup time
    if (prepared / "model.safetensors").is_file():
        with contextlib.suppress(Exception):
            return StaticModel(prepared)
    folder = cache_dir / "static" / name
    if not (folder / "model.safetensors").is_file():
        if not quiet:
            _note(f"distilling a fast embedding model from {spec.display_name} "
                  f"(once, about 40 s; kept in {folder})")
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".building-", dir=folder.parent))
        try:
            _distill(spec, tmp)
            with contextlib.suppress(OSError):  # another run finished first: keep its copy
                os.rename(tmp, folder)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    try:
        return StaticModel(folder)
    except Exception:  # a damaged copy: rebuild it once
        if not _retry:
            raise
        shutil.rmtree(folder, ignore_errors=True)
        return load_static(spec, cache_dir, quiet=quiet, _retry=False)
