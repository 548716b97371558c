"""Shared resources built lazily, once per run, for the dataset rules that declare them."""

from __future__ import annotations

from typing import Any

from ..record import Record
from .texts import normalize, prompt_text, response_text


class Resources:
    """Built on first use and kept for the run: every rule that asks gets the same object."""

    def __init__(self, records: list[Record] | None, settings: dict[str, Any] | None = None):
        self.records = records or []
        self.settings = settings or {}
        self._memo: dict[Any, Any] = {}

    def _get(self, key, build):
        if key not in self._memo:
            self._memo[key] = build()
        return self._memo[key]

    def texts(self, role: str) -> list[str]:
        """The prompt or response text of every record, in record order."""
        fn = {"prompt": prompt_text, "response": response_text}[role]
        return self._get(("texts", role), lambda: [fn(r) for r in self.records])

    def normalized(self, role: str) -> list[str]:
        return self._get(("norm", role), lambda: [normalize(t) for t in self.texts(role)])

    def content_hashes(self) -> list[str]:
        return self._get("hashes", lambda: [r.content_hash() for r in self.records])
