"""Small helpers shared by the conversation-structure rules."""

from __future__ import annotations

from ...io.record import ASSISTANT, SYSTEM, TOOL, USER, Record, Turn

CANONICAL = frozenset((SYSTEM, USER, ASSISTANT, TOOL))


def message_field(turn: Turn) -> str:
    """The field of the message a turn came from (``messages[2]`` for ``messages[2].content``)."""
    f = turn.field
    base, dot, _ = f.rpartition(".")
    return base if dot and base.endswith("]") else f


def role_field(turn: Turn) -> str:
    """The field holding a message's role (``role`` or ShareGPT's ``from``)."""
    base = message_field(turn)
    if base == turn.field:
        return base
    return f"{base}.from" if turn.field.endswith(".value") else f"{base}.role"


def structure_skipped(record: Record) -> bool:
    """True when the structure rules must stay quiet on a record.

    Plain ``text`` records have no roles; records with a layout issue (a missing or mistyped
    field) or no turns are already reported by the layout rules, and a record with a role
    outside system/user/assistant/tool is reported by ``unknown-role``.
    """
    if record.issues or not record.turns or record.layout == "text" or record.layout is None:
        return True
    for t in record.turns:
        if t.role not in CANONICAL:
            return True
    return False


def join_problems(problems: list[tuple[str, str]]) -> tuple[str, str]:
    """(field, message) of one finding that sums up several problems of one record."""
    field, message = problems[0]
    if len(problems) > 1:
        rest = "; ".join(m for _, m in problems[1:3])
        more = len(problems) - 3
        message = f"{message}; also {rest}" + (f" (+{more} more)" if more > 0 else "")
    return field, message
