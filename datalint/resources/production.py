"""Production samples: the inputs real users sent, compared with the training prompts.

Production logs come in many shapes; :func:`production_inputs` turns each record of a
``--production`` file into the user inputs it holds:

* with ``--production-field NAME``: that field (a string, or a list of strings);
* a record that maps to user turns (chat ``messages``, ShareGPT, Alpaca instruction/input,
  ``prompt``): every user turn separately — a multi-turn conversation contributes each user
  message, as each is a production input;
* otherwise, the first of these raw fields present: ``turns`` (a list of user messages, as in
  MT-Bench), ``prompt``, ``input``, ``query``, ``question``, ``instruction``, ``text``;
* a JSON string on its own line: the string itself.

A *side* (:class:`Side`) is one set of texts being compared: the training prompts, the eval
prompts (``--eval``) or the production inputs — each one text per user turn, read the same way
(template lines shared by many training prompts masked before embedding).  Sides are built
once per run and shared by every production rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..io.record import USER, Location, Record
from .texts import strip_lines

#: Raw fields that hold a production input when the record has no user turn.
INPUT_FIELDS = ("turns", "prompt", "input", "query", "question", "instruction", "text")


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        out = []
        for v in value:
            if isinstance(v, str):
                out.append(v)
            elif isinstance(v, dict):  # a list of messages under another name
                role, content = v.get("role") or v.get("from"), v.get("content") or v.get("value")
                if isinstance(content, str) and role in (None, "user", "human"):
                    out.append(content)
        return out
    return []


def production_inputs(records: list[Record], field_name: str | None = None
                      ) -> list[tuple[Record, int, str]]:
    """(record, number of the input within the record, text) of every non-empty input."""
    out: list[tuple[Record, int, str]] = []
    for rec in records:
        raw = rec.raw
        texts: list[str] = []
        if field_name is not None:
            if isinstance(raw, dict):
                texts = _strings(raw.get(field_name))
        elif isinstance(raw, str):
            texts = [raw]
        else:
            texts = [t.text for t in rec.turns if t.role == USER and t.text]
            if not texts and isinstance(raw, dict):
                for key in INPUT_FIELDS:
                    if key in raw:
                        texts = _strings(raw[key])
                        if texts:
                            break
        for n, t in enumerate(x for x in texts if x and not x.isspace()):
            out.append((rec, n, t))
    return out


@dataclass
class Side:
    """One set of texts under comparison.  ``records[i]`` is where ``texts[i]`` came from;
    ``vectors`` (fast tier, unit rows) is built on first use."""

    name: str  # "training" | "eval" | "production"
    texts: list[str]
    records: list[Record]
    turn: list[int]
    _vectors: Any = field(default=None, repr=False)
    _embed: Any = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.texts)

    @property
    def vectors(self) -> np.ndarray:
        if self._vectors is None:
            self._vectors = self._embed()
        return self._vectors

    def location(self, i: int) -> Location:
        loc = self.records[i].location()
        return loc

    def where(self, i: int) -> dict:
        """A location for a report's details: path, line, and which input of the record."""
        d = self.location(i).to_dict()
        d["input"] = self.turn[i]
        return d


def _masked(res, texts: list[str]) -> list[str]:
    return strip_lines(texts, res.template("prompt"))


def _side(res, name: str, records: list[Record], field_name: str | None = None) -> Side:
    """The side ``name`` of these records, built once per run."""
    def build() -> Side:
        items = production_inputs(records, field_name)
        side = Side(name, [t for _, _, t in items], [r for r, _, _ in items],
                    [n for _, n, _ in items])
        side._embed = lambda: res.embed(_masked(res, side.texts), "fast")
        return side
    return res._get(("side", name), build)


def training_side(res) -> Side:
    """The training prompts, one text per user turn — the same unit as production inputs, so
    that a multi-turn training set is not compared as joined conversations against single
    messages."""
    return _side(res, "training", res.records)


def eval_side(res) -> Side | None:
    """The eval prompts (``--eval``), or None without an eval set."""
    evals = res.settings.eval
    return _side(res, "eval", evals) if evals else None


def production_side(res) -> Side | None:
    """The production inputs, or None when no production sample was given."""
    prod = res.settings.production
    if prod is None:
        return None
    return _side(res, "production", prod, res.settings.production_field)
