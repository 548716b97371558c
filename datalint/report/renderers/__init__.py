"""Renderers: one module per output format; each reads only the Report."""

from __future__ import annotations

import importlib

FORMATS = ("text", "json", "github", "sarif", "markdown", "html")


def render(fmt: str, report, *, color: bool = False, **kw) -> str:
    module = importlib.import_module(f"{__name__}.{fmt}")
    return module.render(report, color=color, **kw)
