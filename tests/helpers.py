"""Test helpers: run the engine on files or in-memory records."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

import orjson

from datalint.config import Config, build_config
from datalint.pipeline.engine import Engine
from datalint.report.model import Report


def run(paths, select=None, ignore=(), options=None, **cfg_kw: Any) -> Report:
    if isinstance(paths, (str, Path)):
        paths = [paths]
    cfg = build_config(paths, config=Config(**cfg_kw), select=select, ignore=ignore,
                       options=options)
    return Engine(cfg).run([str(p) for p in paths])


def write_jsonl(path: Path, records: Iterable[Any]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    return path


def mapped_records(path, cfg: Config | None = None) -> list:
    """Every record of a path, with its layout mapped (reader events are dropped)."""
    from datalint.io.layouts import LayoutMapper
    from datalint.io.readers import discover, read_source
    from datalint.io.record import Record

    cfg = cfg or Config()
    mapper = LayoutMapper(cfg.fields, cfg.roles)
    out = []
    for src in discover([str(path)]):
        for item in read_source(src):
            if isinstance(item, Record):
                mapper.adapt(item)
                out.append(item)
    return out


def lint_records(tmp_path: Path, records: list[Any], select=None, **kw) -> Report:
    """Lint in-memory records (written as JSON Lines, one per line, line = index + 1)."""
    p = write_jsonl(tmp_path / "data.jsonl", records)
    return run(p, select=select, **kw)


def codes_at(report: Report) -> set[tuple[int | None, str]]:
    return {(f.location.line, f.name) for f in report.findings}
