"""Escaping untrusted dataset text for terminals."""

from __future__ import annotations

import re

# C0 and C1 control characters, DEL, and the bidirectional/invisible formatting characters
# that can reorder or hide text in a terminal ("Trojan Source").
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def _esc(m: re.Match) -> str:
    c = m.group()
    return {"\n": "\\n", "\t": "\\t", "\r": "\\r"}.get(c, f"\\u{ord(c):04x}" if ord(c) > 0xff
                                                       else f"\\x{ord(c):02x}")


def escape_terminal(s: str) -> str:
    """Make text safe to print: control and invisible characters become visible escapes."""
    return _UNSAFE.sub(_esc, s)


def location_str(loc) -> str:
    if loc.path is None:
        return "<dataset>"
    path = escape_terminal(loc.path)
    if loc.line is not None:
        return f"{path}:{loc.line}"
    if loc.index is not None:
        return f"{path}#{loc.index}"
    return path
