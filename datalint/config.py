"""Configuration: ``[tool.datalint]`` in ``pyproject.toml`` or a ``datalint.toml``.

The nearest config is found by walking up from the first data path (like ruff).  Everything is
validated here, in one place: an unknown key, rule, selector or option is an error that
suggests the right spelling.  Command-line options override the file.

Example ``datalint.toml`` (in ``pyproject.toml`` the same keys go under ``[tool.datalint]``)::

    select = ["ALL"]
    ignore = ["stray-whitespace"]
    fail-on = "error"
    max-tokens = 4096
    packs = ["my_patterns.toml"]
    training-config = "train/axolotl.yaml"   # for the training rules; relative to this file

    [severity]
    pii = "error"

    [fields]                 # canonical name = name in your data
    prompt = "question"
    completion = "answer"

    [roles]                  # role name in your data = canonical role
    customer = "user"
    agent = "assistant"

    [per-file-ignores]
    "vendor/*.jsonl" = ["encoding-error"]

    [rules.too-few-examples]
    min-records = 200
"""

from __future__ import annotations

import dataclasses
import fnmatch
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from .io.layouts import LAYOUTS
from .registry import find_rule, suggest, validate_selector
from .errors import UsageError
from .report.model import SEVERITIES
from .rules.content.too_long import TooLong

CONFIG_FILES = ("datalint.toml", ".datalint.toml", "pyproject.toml")
FAIL_ON = ("error", "warning", "info", "never")
CANONICAL_FIELDS = ("messages", "conversations", "instruction", "input", "output", "response",
                    "prompt", "completion", "chosen", "rejected", "text", "system", "history",
                    "tools", "label", "instances")

#: Top-level keys that set the option of the same name of one rule (the command line has an
#: option for each too: ``--max-tokens``, ``--tokenizer``).
RULE_SHORTCUTS = {"max-tokens": TooLong, "tokenizer": TooLong}

TOP_KEYS = {"select", "ignore", "extend-select", "fail-on", "severity", "fields", "roles",
            "per-file-ignores", "rules", "packs", "max-line-bytes", "model", "cache-dir",
            "eval"}
TOP_KEYS |= set(RULE_SHORTCUTS)
TOP_KEYS |= {"training-config"}  # the training rules (datalint.rules.training.configs)
TOP_KEYS |= {"production", "production-field"}  # the production (mismatch) rules


@dataclass
class Config:
    select: list[str] | None = None
    ignore: list[str] = field(default_factory=list)
    extend_select: list[str] = field(default_factory=list)
    fail_on: str = "error"
    severity: dict[str, str] = field(default_factory=dict)  # rule code -> level
    fields: dict[str, str] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    rule_options: dict[str, dict[str, Any]] = field(default_factory=dict)  # rule code -> options
    packs: list[str] = field(default_factory=list)
    max_line_bytes: int | None = None
    # embeddings: a local sentence-transformers folder (None: the bundled default), the cache
    # folder (None: the per-user default), and whether the disk cache is off
    model: str | None = None
    cache_dir: str | None = None
    no_cache: bool = False
    eval: list[str] = field(default_factory=list)  # eval files for train-eval-overlap
    # training configs read by the training rules (datalint.rules.training.configs); none:
    # they are skipped
    training_config: list[str] = field(default_factory=list)
    # --- production sample (the production family): files, and the column holding the input
    production: list[str] = field(default_factory=list)
    production_field: str | None = None
    # --- end production sample
    source: str | None = None  # the file it came from

    @property
    def tokenizer(self) -> str | None:
        """The local tokenizer for counting tokens, run-wide (None: an estimate): the too-long
        rule's ``tokenizer`` option, which the training rules use too."""
        return self.rule_options.get(TooLong.code, {}).get("tokenizer")

    def ignored_for(self, path: str) -> list[str]:
        out: list[str] = []
        p = Path(path)
        for pattern, sels in self.per_file_ignores.items():
            if fnmatch.fnmatch(path, pattern) or fnmatch.fnmatch(p.name, pattern) or \
                    p.match(pattern):
                out.extend(sels)
        return out


def find_config(start: str | Path) -> Path | None:
    p = Path(start).resolve()
    if not p.is_dir():
        p = p.parent
    for d in (p, *p.parents):
        for name in CONFIG_FILES:
            c = d / name
            if c.is_file():
                if name == "pyproject.toml":
                    try:
                        data = tomllib.loads(c.read_text(encoding="utf-8"))
                    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
                        continue
                    if "datalint" not in data.get("tool", {}):
                        continue
                return c
    return None


def load_config(path: Path) -> Config:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise UsageError(f"{path}: cannot read config ({e.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise UsageError(f"{path}: invalid TOML ({e})") from None
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("datalint", {})
    elif "tool" in data and "datalint" in data["tool"]:
        data = data["tool"]["datalint"]
    cfg = config_from_dict(data, str(path))
    base = path.parent
    cfg.packs = [str((base / p).resolve()) if not Path(p).is_absolute() else p for p in cfg.packs]
    # training-config: relative to the config file, like packs
    cfg.training_config = [str(base / p) if not Path(p).is_absolute() else p
                           for p in cfg.training_config]
    cfg.eval = [str((base / p).resolve()) if not Path(p).is_absolute() else p for p in cfg.eval]
    cfg.production = [str((base / p).resolve()) if not Path(p).is_absolute() else p
                      for p in cfg.production]  # production sample: relative to the config
    for key in ("model", "cache_dir"):
        value = getattr(cfg, key)
        if value and not Path(value).expanduser().is_absolute():
            setattr(cfg, key, str((base / value).resolve()))
    return cfg


def _expect(where: str, value: Any, typ: type | tuple, what: str) -> Any:
    if not isinstance(value, typ) or isinstance(value, bool) and typ in (int, float, (int, float)):
        raise UsageError(f"{where}: expected {what}, got {value!r}")
    return value


def _str_list(where: str, value: Any) -> list[str]:
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UsageError(f"{where}: expected a list of strings, got {value!r}")
    return value


def config_from_dict(data: dict[str, Any], source: str = "<config>") -> Config:
    cfg = Config(source=source)
    for key in data:
        if key not in TOP_KEYS:
            raise UsageError(f"{source}: unknown key {key!r}{suggest(key, sorted(TOP_KEYS))}")
    if "select" in data:
        cfg.select = _str_list(f"{source}: select", data["select"])
    cfg.ignore = _str_list(f"{source}: ignore", data.get("ignore", []))
    cfg.extend_select = _str_list(f"{source}: extend-select", data.get("extend-select", []))
    for s in [*(cfg.select or []), *cfg.ignore, *cfg.extend_select]:
        try:
            validate_selector(s)
        except UsageError as e:
            raise UsageError(f"{source}: {e}") from None
    if "fail-on" in data:
        cfg.fail_on = data["fail-on"]
        if cfg.fail_on not in FAIL_ON:
            raise UsageError(f"{source}: fail-on must be one of {', '.join(FAIL_ON)}")
    for key, level in _expect(f"{source}: severity", data.get("severity", {}), dict,
                              "a table").items():
        rule = _rule(source, key)
        if level not in SEVERITIES:
            raise UsageError(f"{source}: severity of {key!r} must be info, warning or error"
                             f"{suggest(str(level), list(SEVERITIES))}")
        cfg.severity[rule.code] = level
    for canonical, actual in _expect(f"{source}: fields", data.get("fields", {}), dict,
                                     "a table").items():
        if canonical not in CANONICAL_FIELDS:
            raise UsageError(f"{source}: fields: unknown canonical field {canonical!r}"
                             f"{suggest(canonical, list(CANONICAL_FIELDS))} "
                             f"(known: {', '.join(CANONICAL_FIELDS)})")
        cfg.fields[canonical] = _expect(f"{source}: fields.{canonical}", actual, str, "a string")
    for raw_role, canonical in _expect(f"{source}: roles", data.get("roles", {}), dict,
                                       "a table").items():
        if canonical not in ("system", "user", "assistant", "tool"):
            raise UsageError(f"{source}: roles.{raw_role} must be system, user, assistant or tool")
        cfg.roles[raw_role] = canonical
    for pattern, sels in _expect(f"{source}: per-file-ignores", data.get("per-file-ignores", {}),
                                 dict, "a table").items():
        sels = _str_list(f"{source}: per-file-ignores.{pattern}", sels)
        for s in sels:
            validate_selector(s)
        cfg.per_file_ignores[pattern] = sels
    cfg.packs = _str_list(f"{source}: packs", data.get("packs", []))
    # --- training-config (training rules) ---
    tc = data.get("training-config", [])
    cfg.training_config = [tc] if isinstance(tc, str) else _str_list(
        f"{source}: training-config", tc)
    # --- end training-config ---
    for key in ("model", "cache-dir"):
        if key in data:
            setattr(cfg, key.replace("-", "_"),
                    _expect(f"{source}: {key}", data[key], str, "a path"))
    cfg.eval = _str_list(f"{source}: eval", data.get("eval", []))
    # --- production sample ---
    cfg.production = _str_list(f"{source}: production", data.get("production", []))
    if "production-field" in data:
        cfg.production_field = _expect(f"{source}: production-field", data["production-field"],
                                       str, "a field name")
    # --- end production sample ---
    if "max-line-bytes" in data:
        cfg.max_line_bytes = _expect(f"{source}: max-line-bytes", data["max-line-bytes"], int,
                                     "an integer")
    for key, opts in _expect(f"{source}: rules", data.get("rules", {}), dict, "a table").items():
        rule = _rule(source, key)
        _expect(f"{source}: rules.{key}", opts, dict, "a table")
        cfg.rule_options.setdefault(rule.code, {}).update(opts)
    for rule, key, value in _shortcuts(data):  # after [rules.*]: the shortcut wins
        cfg.rule_options.setdefault(rule.code, {})[key] = value
    # validate every rule's options now, so mistakes surface before any data is read
    for code, opts in cfg.rule_options.items():
        build_options(find_rule(code), opts, source)
    return cfg


def _shortcuts(values: dict[str, Any]) -> list[tuple[Any, str, Any]]:
    """(rule, option, value) for each key of :data:`RULE_SHORTCUTS` present in ``values``."""
    return [(rule, key, values[key]) for key, rule in RULE_SHORTCUTS.items() if key in values]


def _rule(source: str, key: str):
    try:
        return find_rule(key)
    except UsageError as e:
        raise UsageError(f"{source}: {e}") from None


def _coerce(where: str, value: Any, annotation: Any) -> Any:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        non_none = [a for a in args if a is not type(None)]
        return _coerce(where, value, non_none[0])
    if annotation is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        raise UsageError(f"{where}: expected a number, got {value!r}")
    if annotation is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise UsageError(f"{where}: expected an integer, got {value!r}")
    if annotation is bool:
        if isinstance(value, bool):
            return value
        raise UsageError(f"{where}: expected true or false, got {value!r}")
    if annotation is str:
        if isinstance(value, str):
            return value
        raise UsageError(f"{where}: expected a string, got {value!r}")
    if origin in (list, tuple):
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, (list, tuple)):
            raise UsageError(f"{where}: expected a list, got {value!r}")
        inner = args[0] if args else str
        return tuple(_coerce(where, v, inner) for v in value)
    return value


def build_options(rule, opts: dict[str, Any], source: str = "<config>"):
    """An instance of the rule's Options dataclass, validated, from a dict of kebab-case keys."""
    hints = typing.get_type_hints(rule.Options)
    names = {f.name.replace("_", "-"): f.name for f in dataclasses.fields(rule.Options)}
    kwargs = {}
    for key, value in opts.items():
        k = key.replace("_", "-")
        if k not in names:
            known = ", ".join(names) or "none"
            raise UsageError(f"{source}: rule {rule.name!r} has no option {key!r}"
                             f"{suggest(k, list(names))} (options: {known})")
        kwargs[names[k]] = _coerce(f"{source}: {rule.name}.{k}", value, hints[names[k]])
    return rule.Options(**kwargs)


def options_doc(rule) -> list[tuple[str, str, Any]]:
    """(name, type, default) of each option, for documentation."""
    hints = typing.get_type_hints(rule.Options)
    out = []
    for f in dataclasses.fields(rule.Options):
        default = f.default if f.default is not dataclasses.MISSING else (
            f.default_factory() if f.default_factory is not dataclasses.MISSING else None)
        t = hints[f.name]
        tname = getattr(t, "__name__", str(t)).replace("typing.", "")
        out.append((f.name.replace("_", "-"), tname, default))
    return out


def build_config(paths: str | Path | Sequence[str | Path] = (), *,
                 config_path: str | Path | None = None, isolated: bool = False,
                 config: Config | None = None, **cli_values: Any) -> Config:
    """The configuration of a run, as every command and :func:`datalint.lint` build it.

    The file is ``config_path`` if given; else none with ``isolated``; else the nearest config
    above the first of ``paths`` (above the working folder when that path does not exist, as
    for a Hugging Face dataset id; no search without paths).  ``config``, if given, is used
    instead of any file.  ``cli_values`` (see :func:`merge_cli`) are applied on top.
    """
    if config is None:
        first = paths if isinstance(paths, (str, Path)) else next(iter(paths), None)
        if config_path:
            config = load_config(Path(config_path))
        elif isolated or first is None:
            config = Config()
        else:
            found = find_config(first) if Path(first).exists() else find_config(".")
            config = load_config(found) if found else Config()
    return merge_cli(config, **cli_values)


def parse_option(item: str) -> tuple[str, str, Any]:
    """``RULE.KEY=VALUE`` (``--option``) with a TOML literal value (bare words are strings)."""
    if "=" not in item or "." not in item.split("=", 1)[0]:
        raise UsageError(f"--option expects RULE.KEY=VALUE, got {item!r}")
    lhs, value = item.split("=", 1)
    rule, key = lhs.rsplit(".", 1)
    try:
        parsed = tomllib.loads(f"v = {value}")["v"]
    except tomllib.TOMLDecodeError:
        parsed = value
    return rule.strip(), key.strip(), parsed


def merge_cli(cfg: Config, *, select=None, ignore=(), extend_select=(), fail_on=None,
              severity=(), options=None, option_items=(), max_tokens=None, tokenizer=None,
              packs=(), max_line_bytes=None, model=None, cache_dir=None, no_cache=False,
              eval_files=(), training_config=(), production_files=(),
              production_field=None) -> Config:
    """Apply command-line options on top of a file config.

    ``options``: rule -> {option: value}; ``option_items``: ``--option RULE.KEY=VALUE`` texts,
    applied after ``options``; ``max_tokens`` and ``tokenizer`` (the :data:`RULE_SHORTCUTS`)
    after both.
    """
    opts: dict[str, dict[str, Any]] = {}
    for rule, values in (options or {}).items():
        opts.setdefault(rule, {}).update(values)
    for item in option_items:
        rule, key, value = parse_option(item)
        opts.setdefault(rule, {})[key] = value
    shortcuts = {"max-tokens": max_tokens, "tokenizer": tokenizer}
    for rule, key, value in _shortcuts({k: v for k, v in shortcuts.items() if v}):
        opts.setdefault(rule.name, {})[key] = value
    if training_config:  # the command line replaces the file's training-config
        cfg.training_config = [str(p) for p in training_config]
    if select:
        cfg.select = [s for v in select for s in v.split(",") if s.strip()]
    if ignore:
        cfg.ignore = cfg.ignore + [s for v in ignore for s in v.split(",") if s.strip()]
    if extend_select:
        cfg.extend_select = cfg.extend_select + [s for v in extend_select for s in v.split(",")]
    for s in [*(cfg.select or []), *cfg.ignore, *cfg.extend_select]:
        validate_selector(s.strip())
    if fail_on:
        cfg.fail_on = fail_on
    for item in severity:
        if "=" not in item:
            raise UsageError(f"--severity expects RULE=LEVEL, got {item!r}")
        key, level = item.split("=", 1)
        rule = find_rule(key.strip())
        if level.strip() not in SEVERITIES:
            raise UsageError(f"--severity {item!r}: level must be info, warning or error")
        cfg.severity[rule.code] = level.strip()
    for code, values in opts.items():
        rule = find_rule(code)
        cfg.rule_options.setdefault(rule.code, {}).update(values)
        build_options(rule, cfg.rule_options[rule.code], "command line")
    cfg.packs = cfg.packs + list(packs)
    if max_line_bytes:
        cfg.max_line_bytes = max_line_bytes
    if model:
        cfg.model = model
    if cache_dir:
        cfg.cache_dir = cache_dir
    if no_cache:
        cfg.no_cache = True
    if eval_files:
        cfg.eval = list(eval_files)
    if production_files:  # the command line replaces the file's production sample
        cfg.production = [str(p) for p in production_files]
    if production_field:
        cfg.production_field = production_field
    return cfg


__all__ = ["Config", "build_config", "find_config", "load_config", "config_from_dict",
           "merge_cli", "parse_option", "build_options", "options_doc", "LAYOUTS"]
