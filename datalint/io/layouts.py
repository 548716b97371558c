"""Layout adapters: map the raw fields of one record to role-tagged turns.

Supported layouts (detected per record, by the fields present):

==================  =========================================================================
``chat``            OpenAI chat: ``messages`` = [{role, content, tool_calls, tool_call_id,
                    weight}]; content may be a string or a list of text parts
``sharegpt``        ``conversations`` = [{from, value}] (``role``/``content`` also accepted)
``preference``      ``chosen`` + ``rejected`` (strings or message lists), optional ``prompt``
``alpaca``          ``instruction`` + optional ``input`` (Dolly's ``context``) + ``output``
                    (or ``response``); optional ``system`` and ``history``
                    ([[question, answer], …])
``prompt-completion`` ``prompt`` + ``completion`` (also ``prompt``/``response``,
                    ``question``/``answer``, ``input``/``output``)
``text``            plain ``text``
==================  =========================================================================

Anything else is ``unknown-format``.  Field names can be mapped in config
(``[tool.datalint.fields]``) and role names with ``[tool.datalint.roles]``.
"""

from __future__ import annotations

from typing import Any

from ..rules.format.missing_field import MISSING_FIELD
from ..rules.format.unknown_format import UNKNOWN_FORMAT
from ..rules.format.wrong_type import WRONG_TYPE
from .record import ASSISTANT, SUPPRESS_FIELD, SYSTEM, TOOL, USER, Record, Span, Turn
from .record import _new as _new_object

ROLE_ALIASES: dict[str, str] = {
    "system": SYSTEM,
    "developer": SYSTEM,
    "user": USER,
    "human": USER,
    "assistant": ASSISTANT,
    "gpt": ASSISTANT,
    "model": ASSISTANT,
    "bot": ASSISTANT,
    "chatgpt": ASSISTANT,
    "bard": ASSISTANT,
    "bing": ASSISTANT,
    "tool": TOOL,
    "function": TOOL,
    "ipython": TOOL,
    "observation": TOOL,
    "function_call": ASSISTANT,
}

LAYOUTS = ("chat", "sharegpt", "preference", "alpaca", "prompt-completion", "text")

_PC_PAIRS = (("prompt", "completion"), ("prompt", "response"), ("question", "answer"),
             ("input", "output"))

# The fields each layout consumes; the others are the record's metadata.
_CHAT_FIELDS = ("messages",)
_CHAT_TOOLS_FIELDS = ("messages", "tools")
_SHAREGPT_FIELDS = ("conversations", "system", "tools")
_PREFERENCE_FIELDS = ("prompt", "chosen", "rejected", "system")
_ALPACA_FIELDS = ("instruction", "input", "context", "output", "response", "system", "history")
_TEXT_FIELDS = ("text",)
_TEXT_PART_TYPES = ("text", "input_text", "output_text")


def _type_name(v: Any) -> str:
    if v is None:
        return "null"
    return {dict: "object", list: "array", str: "string", bool: "boolean", int: "number",
            float: "number"}.get(type(v), type(v).__name__)


def _a_type(v: Any) -> str:
    """The JSON type of ``v`` with its article: "a string", "an object"."""
    name = _type_name(v)
    return ("an " if name[0] in "aeiou" else "a ") + name


class LayoutMapper:
    """Maps raw records to turns, with the user's field and role mappings applied."""

    def __init__(self, fields: dict[str, str] | None = None, roles: dict[str, str] | None = None):
        # fields: canonical name -> name used in the data
        self.fields = dict(fields or {})
        self.roles = {**ROLE_ALIASES, **{k.lower(): v for k, v in (roles or {}).items()}}
        # base field -> ["<base>[0].content", "<base>[1].content", …], built once rather than
        # formatted for every message of every record
        self._content_fields: dict[str, list[str]] = {}

    # -- public ---------------------------------------------------------------------------
    def adapt(self, rec: Record) -> None:
        raw = rec.raw
        if not isinstance(raw, dict):
            rec.layout = None
            rec.add_issue(WRONG_TYPE, None,
                          f"record is a JSON {_type_name(raw)}, expected an object")
            return
        if self.fields:
            raw = self._rename(raw)
        used: tuple[str, ...]
        if "messages" in raw:
            rec.layout = "chat"
            rec.turns = self._messages(rec, raw["messages"], "messages")
            used = _CHAT_TOOLS_FIELDS if "tools" in raw else _CHAT_FIELDS
        elif "conversations" in raw:
            rec.layout = "sharegpt"
            used = _SHAREGPT_FIELDS
            turns = []
            if isinstance(raw.get("system"), str) and raw["system"].strip():
                turns.append(Turn(SYSTEM, raw["system"], "system", "system"))
            turns.extend(self._messages(rec, raw["conversations"], "conversations"))
            rec.turns = turns
        elif "chosen" in raw or "rejected" in raw:
            rec.layout = "preference"
            used = _PREFERENCE_FIELDS
            self._preference(rec, raw)
        elif "instruction" in raw:
            rec.layout = "alpaca"
            used = _ALPACA_FIELDS
            self._alpaca(rec, raw)
        else:
            for p, c in _PC_PAIRS:
                if p in raw and (c in raw or (p == "prompt")):
                    rec.layout = "prompt-completion"
                    used = (p, c)
                    self._prompt_completion(rec, raw, p, c)
                    break
            else:
                if "text" in raw:
                    rec.layout = "text"
                    used = _TEXT_FIELDS
                    t = raw["text"]
                    if isinstance(t, str):
                        rec.turns = [Turn("text", t, "text")]
                    else:
                        rec.turns = [Turn("text", None, "text")]
                        rec.add_issue(WRONG_TYPE, "text",
                                      f"`text` is {_a_type(t)}, expected a string")
                else:
                    rec.layout = None
                    used = ()
                    keys = ", ".join(sorted(str(k) for k in raw)[:8]) or "no fields"
                    rec.add_issue(UNKNOWN_FORMAT, None,
                                  f"no known layout fits this record (fields: {keys})")
        # metadata and id: everything the layout did not consume, made from the raw fields
        # when first asked for (from the renamed ones now, when fields are mapped)
        rec.consumed = used
        if raw is not rec.raw:
            rec.meta = {k: v for k, v in raw.items() if k not in used and k != SUPPRESS_FIELD}

    # -- helpers --------------------------------------------------------------------------
    def _rename(self, raw: dict) -> dict:
        out = dict(raw)
        for canonical, actual in self.fields.items():
            if actual in raw and actual != canonical:
                out[canonical] = out.pop(actual)
        return out

    def _role(self, raw_role: str) -> str:
        return self.roles.get(raw_role) or self.roles.get(raw_role.lower(), raw_role)

    def _content(self, rec: Record, value: Any, field: str, required: bool) -> str | None:
        if type(value) is str:
            return value
        if value is None:
            if required:
                rec.add_issue(MISSING_FIELD, field, f"`{field}` is missing or null")
            return None
        if isinstance(value, list):
            parts = []
            for j, part in enumerate(value):
                if isinstance(part, dict):
                    if part.get("type", "text") in _TEXT_PART_TYPES:
                        t = part.get("text")
                        if isinstance(t, str):
                            parts.append(t)
                        else:
                            rec.add_issue(WRONG_TYPE, f"{field}[{j}].text",
                                          f"text part is {_a_type(t)}, expected a string")
                elif isinstance(part, str):
                    parts.append(part)
                else:
                    rec.add_issue(WRONG_TYPE, f"{field}[{j}]",
                                  f"content part is {_a_type(part)}, expected an object")
            return "".join(parts) if parts or not value else None
        rec.add_issue(WRONG_TYPE, field, f"`{field}` is {_a_type(value)}, expected a string")
        return None

    def _messages(self, rec: Record, msgs: Any, base: str, branch: str | None = None) -> list[Turn]:
        if not isinstance(msgs, list):
            rec.add_issue(WRONG_TYPE, base, f"`{base}` is {_a_type(msgs)}, expected a list")
            return []
        turns = []
        roles_get = self.roles.get
        new = _new_object
        fields = self._content_fields.get(base)
        if fields is None or len(fields) < len(msgs):
            fields = self._content_fields[base] = [f"{base}[{i}].content"
                                                   for i in range(max(len(msgs), 16))]
        for i, m in enumerate(msgs):
            if type(m) is dict and len(m) == 2:
                # fast path: the common {"role": str, "content": str} message
                raw_role = m.get("role")
                content = m.get("content")
                if type(raw_role) is str and type(content) is str:
                    # Turn.plain(role, content, field, raw_role, branch), inlined: the call
                    # per turn cost 5-8% of reading a chat file (F001 alone over 20,000 of
                    # benchmarks/record_pass.py's records); tests/test_readers.py checks the
                    # turns against the constructor's
                    t = new(Turn)
                    t.role = roles_get(raw_role) or roles_get(raw_role.lower()) or raw_role
                    t.text = content
                    t.field = fields[i]
                    t.raw_role = raw_role
                    t.spans = t.tool_calls = t.tool_call_id = t.weight = None
                    t.branch = branch
                    turns.append(t)
                    continue
            f = f"{base}[{i}]"
            if not isinstance(m, dict):
                rec.add_issue(WRONG_TYPE, f, f"message is {_a_type(m)}, expected an object")
                continue
            if "role" in m:
                rk, ck = "role", "content"
            elif "from" in m:
                rk, ck = "from", "value"
            else:
                rk, ck = "role", ("content" if "content" in m else "value")
            raw_role = m.get(rk)
            if raw_role is None:
                rec.add_issue(MISSING_FIELD, f"{f}.{rk}", f"message has no `{rk}`")
                role = "?"
                raw_role = None
            elif not isinstance(raw_role, str):
                rec.add_issue(WRONG_TYPE, f"{f}.{rk}",
                              f"`{rk}` is {_a_type(raw_role)}, expected a string")
                role, raw_role = "?", None
            else:
                role = self._role(raw_role)
            tool_calls = m.get("tool_calls")
            if tool_calls is not None and not isinstance(tool_calls, list):
                rec.add_issue(WRONG_TYPE, f"{f}.tool_calls",
                              f"`tool_calls` is {_a_type(tool_calls)}, expected a list")
                tool_calls = None
            has_call = bool(tool_calls) or "function_call" in m
            field = f"{f}.{ck}"
            if ck not in m and not has_call:
                rec.add_issue(MISSING_FIELD, field, f"message has no `{ck}`")
                text = None
            else:
                text = self._content(rec, m.get(ck), field, required=not has_call)
            weight = m.get("weight")
            tcid = m.get("tool_call_id")
            turns.append(Turn(role, text, field, raw_role, None, tool_calls,
                              tcid if isinstance(tcid, str) else None,
                              weight if isinstance(weight, (int, float)) else None, branch))
        return turns

    def _side(self, rec: Record, value: Any, field: str, branch: str | None) -> list[Turn]:
        """One side of a preference pair: a string answer or a list of messages."""
        if isinstance(value, list):
            return self._messages(rec, value, field, branch)
        text = self._content(rec, value, field, required=True)
        return [Turn(ASSISTANT, text, field, None, branch=branch)]

    def _preference(self, rec: Record, raw: dict) -> None:
        turns: list[Turn] = []
        if isinstance(raw.get("system"), str):
            turns.append(Turn(SYSTEM, raw["system"], "system", "system"))
        if "prompt" in raw:
            p = raw["prompt"]
            if isinstance(p, list):
                turns.extend(self._messages(rec, p, "prompt"))
            else:
                turns.append(Turn(USER, self._content(rec, p, "prompt", True), "prompt"))
        for side in ("chosen", "rejected"):
            if side not in raw:
                rec.add_issue(MISSING_FIELD, side,
                              f"preference pair has no `{side}` answer")
        chosen = self._side(rec, raw["chosen"], "chosen", None) if "chosen" in raw else []
        rejected = self._side(rec, raw["rejected"], "rejected", "rejected") if "rejected" in raw else []
        # a message-list side may repeat the prompt: keep only what follows it
        if chosen and len(chosen) > 1 and turns:
            chosen = [t for t in chosen if t.role == ASSISTANT] or chosen
        if rejected and len(rejected) > 1 and turns:
            rejected = [t for t in rejected if t.role == ASSISTANT] or rejected
        elif rejected and chosen and not turns:
            # no separate prompt: both sides repeat it; the rejected side is what differs
            k, n = 0, min(len(chosen), len(rejected)) - 1
            while k < n and chosen[k].role == rejected[k].role and \
                    chosen[k].text == rejected[k].text:
                k += 1
            rejected = rejected[k:]
        rec.turns = turns + chosen
        rec.rejected = rejected

    def _alpaca(self, rec: Record, raw: dict) -> None:
        turns: list[Turn] = []
        if "system" in raw and raw["system"] is not None:
            s = self._content(rec, raw["system"], "system", False)
            if s is not None and s.strip():
                turns.append(Turn(SYSTEM, s, "system", "system"))
        hist = raw.get("history")
        if hist:
            if not isinstance(hist, list):
                rec.add_issue(WRONG_TYPE, "history",
                              f"`history` is {_a_type(hist)}, expected a list of pairs")
            else:
                for i, pair in enumerate(hist):
                    if (isinstance(pair, list) and len(pair) == 2):
                        q = self._content(rec, pair[0], f"history[{i}][0]", True)
                        a = self._content(rec, pair[1], f"history[{i}][1]", True)
                        turns.append(Turn(USER, q, f"history[{i}][0]"))
                        turns.append(Turn(ASSISTANT, a, f"history[{i}][1]"))
                    else:
                        rec.add_issue(WRONG_TYPE, f"history[{i}]",
                                      "history entry is not a [question, answer] pair")
        instr = self._content(rec, raw.get("instruction"), "instruction", True)
        spans = [Span("instruction", instr)] if instr is not None else []
        user_text = instr
        # the text the instruction is about: Alpaca's ``input``, Dolly's ``context``
        of = "input" if "input" in raw else "context" if "context" in raw else None
        if of is not None:
            inp = self._content(rec, raw[of], of, False)
            if inp:
                spans.append(Span(of, inp))
                user_text = f"{instr}\n\n{inp}" if instr else inp
        turns.append(Turn(USER, user_text, "instruction", spans=spans))
        if "output" in raw:
            of = "output"
        elif "response" in raw:
            of = "response"
        else:
            rec.add_issue(MISSING_FIELD, "output", "Alpaca record has no `output` (or `response`)")
            rec.turns = turns
            return
        turns.append(Turn(ASSISTANT, self._content(rec, raw[of], of, True), of))
        rec.turns = turns

    def _prompt_completion(self, rec: Record, raw: dict, p: str, c: str) -> None:
        pv = raw[p]
        if isinstance(pv, list) and p == "prompt":
            turns = self._messages(rec, pv, "prompt")
        else:
            turns = [Turn(USER, self._content(rec, pv, p, True), p)]
        if c not in raw:
            rec.add_issue(MISSING_FIELD, c, f"record has `{p}` but no `{c}`")
        else:
            cv = raw[c]
            if isinstance(cv, list) and c == "completion":
                turns.extend(self._messages(rec, cv, "completion"))
            else:
                turns.append(Turn(ASSISTANT, self._content(rec, cv, c, True), c))
        rec.turns = turns
