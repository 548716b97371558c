"""The rule registry and rule selection (``--select`` / ``--ignore``).

Rules are discovered by importing every module under ``datalint.rules`` and, for plugins,
the ``datalint.rules`` entry-point group.  Selectors are ``ALL``, a family name (``format``),
a code prefix (``F``, ``C00``), a full code (``C002``) or a rule name
(``unfilled-placeholder``); for each rule the most specific matching selector wins, and on a
tie ``ignore`` wins.
"""

from __future__ import annotations

import difflib
import importlib
import pkgutil
from functools import lru_cache

from .errors import UsageError
from .rule import FAMILIES, Rule


@lru_cache(maxsize=1)
def all_rules() -> tuple[type[Rule], ...]:
    from . import rules as pkg

    found: dict[str, type[Rule]] = {}
    for mod in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
        module = importlib.import_module(mod.name)
        for obj in vars(module).values():
            if (isinstance(obj, type) and issubclass(obj, Rule) and obj.__module__ == module.__name__
                    and getattr(obj, "code", None)):
                found[obj.code] = obj
    try:
        from importlib.metadata import entry_points

        for ep in entry_points(group="datalint.rules"):
            obj = ep.load()
            if isinstance(obj, type) and issubclass(obj, Rule):
                found[obj.code] = obj
    except Exception:  # a broken plugin must not break the built-in rules
        pass
    return tuple(sorted(found.values(), key=lambda r: (r.code.rstrip("0123456789"),
                                                      int(r.code.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ") or 0))))


def rules_by_key() -> dict[str, type[Rule]]:
    out: dict[str, type[Rule]] = {}
    for r in all_rules():
        out[r.code.upper()] = r
        out[r.name.lower()] = r
    return out


def find_rule(key: str) -> type[Rule]:
    r = rules_by_key().get(key.upper()) or rules_by_key().get(key.lower())
    if r is None:
        raise UsageError(f"unknown rule {key!r}{suggest(key, _selector_vocabulary())}")
    return r


def _selector_vocabulary() -> list[str]:
    vocab = ["ALL", *FAMILIES.values()]
    for r in all_rules():
        vocab += [r.code, r.name]
    return vocab


def suggest(word: str, vocabulary: list[str]) -> str:
    close = difflib.get_close_matches(word, vocabulary, n=1, cutoff=0.6)
    if not close:
        close = difflib.get_close_matches(word.lower(), [v.lower() for v in vocabulary], n=1,
                                          cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def specificity(selector: str, rule: type[Rule]) -> int | None:
    """How specifically ``selector`` names ``rule`` (higher is more specific), or None."""
    s = selector.strip()
    if s.upper() == "ALL":
        return 0
    if s.lower() == rule.family():
        return 1
    if s.lower() == rule.name:
        return 100
    up = s.upper()
    if up == rule.code:
        return 100
    if rule.code.startswith(up) and up[:1].isalpha():
        return len(up)
    return None


def validate_selector(selector: str) -> None:
    if any(specificity(selector, r) is not None for r in all_rules()):
        return
    raise UsageError(f"unknown rule selector {selector!r}"
                     f"{suggest(selector, _selector_vocabulary())} (see `datalint rules`)")


def select_rules(select: list[str] | None, ignore: list[str],
                 extend_select: list[str] = ()) -> list[type[Rule]]:
    select = list(select) if select is not None else ["ALL"]
    select += list(extend_select)
    for s in [*select, *ignore]:
        validate_selector(s)
    chosen = []
    for rule in all_rules():
        best_sel = max((sp for s in select if (sp := specificity(s, rule)) is not None), default=-1)
        best_ign = max((sp for s in ignore if (sp := specificity(s, rule)) is not None), default=-1)
        if best_sel >= 0 and best_sel > best_ign:
            chosen.append(rule)
    return chosen
