"""Layout adapters: map the raw fields of one record to role-tagged turns.

Supported layouts (detected per record, by the fields present):

==================  =========================================================================
``chat``            OpenAI chat: ``messages`` = [{role, content, tool_calls, tool_call_id,
                    weight}]; content may be a string or a list of text parts; optional
                    ``tools``.  Also ``conversation`` (LMSYS-Chat, WildChat) as a message list
``sharegpt``        ``conversations`` = [{from, value}] (``role``/``content`` also accepted),
                    optional ``system`` and ``tools`` (LLaMA-Factory: a JSON string);
                    ``function_call`` turns are assistant tool calls, ``observation`` turns
                    tool results
``preference``      ``chosen`` + ``rejected`` (strings, message lists or single messages),
                    the prompt in ``prompt``, ``conversations`` (LLaMA-Factory) or
                    ``messages``; the chosen answer ends ``turns``, the rejected one is
                    ``Record.rejected``
``alpaca``          ``instruction`` + optional ``input`` (Dolly: ``context``) + ``output``
                    (or ``response``); optional ``system`` and ``history``
                    ([[question, answer], …])
``self-instruct``   ``instruction`` + ``instances`` = [{input, output}] (self-instruct seed
                    tasks): the first instance is ``turns``, the others ``alternatives``
``oasst-tree``      an Open-Assistant message tree: ``prompt`` = {text, role: prompter,
                    replies: [{text, role, rank, replies}, …]} (``message_tree_id``)
``prompt-completion`` ``prompt`` + ``completion`` (also ``prompt``/``response``,
                    ``question``/``answer``, ``input``/``output``, ``inputs``/``targets``)
``text``            plain ``text``
==================  =========================================================================

KTO records (LLaMA-Factory's ``messages`` or ``conversations`` with a boolean ``label`` or
``kto_tag``; TRL's ``prompt``/``completion``/``label``) keep their layout; an answer labelled
``false`` is moved from ``turns`` to ``Record.rejected`` (it is trained against, like the
losing side of a preference pair) and the label stays in the record's metadata.

An Open-Assistant tree is one record: its turns are the best-ranked path (at each level the
reply with the lowest ``rank``, not deleted and not rejected by review; a path ending on an
unanswered prompter message is cut after its last assistant reply), every other root-to-leaf
path is an alternative, and the ranks along the best path are kept as the metadata field
``ranks`` (``null`` for the prompt), with ``paths``, the number of root-to-leaf paths.

Anything else is ``unknown-format``; a few layouts datalint recognises but does not read (an
Open-Assistant message list, a prompt set of question ``turns``) say so in the finding.  Field
names can be mapped in config (``[tool.datalint.fields]``) and role names with
``[tool.datalint.roles]``.
"""

from __future__ import annotations

from typing import Any

import orjson

from ..rules.format.missing_field import MISSING_FIELD
from ..rules.format.unknown_format import UNKNOWN_FORMAT
from ..rules.format.wrong_type import WRONG_TYPE
from .record import (ASSISTANT, REJECTED, SUPPRESS_FIELD, SYSTEM, TOOL, USER, Record, Span,
                     Turn)
from .record import _new as _new_object

ROLE_ALIASES: dict[str, str] = {
    "system": SYSTEM,
    "developer": SYSTEM,
    "user": USER,
    "human": USER,
    "prompter": USER,
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

LAYOUTS = ("chat", "sharegpt", "preference", "alpaca", "self-instruct", "oasst-tree",
           "prompt-completion", "text")

_PC_PAIRS = (("prompt", "completion"), ("prompt", "response"), ("question", "answer"),
             ("input", "output"), ("inputs", "targets"))

#: The raw role of a ShareGPT turn that is a tool call (LLaMA-Factory's ``function_tag``).
_FUNCTION_CALL = "function_call"
#: The fields holding a KTO record's label (TRL's ``label``, LLaMA-Factory's ``kto_tag``).
_KTO_LABELS = ("label", "kto_tag")

# The fields each layout consumes; the others are the record's metadata.
_CHAT_FIELDS = ("messages",)
_CHAT_TOOLS_FIELDS = ("messages", "tools")
_SHAREGPT_FIELDS = ("conversations", "system", "tools")
_PREFERENCE_FIELDS = ("prompt", "chosen", "rejected", "system")
_ALPACA_FIELDS = ("instruction", "input", "output", "response", "system", "history")
_DOLLY_FIELDS = ("instruction", "context", "output", "response", "system", "history")
_SELF_INSTRUCT_FIELDS = ("instruction", "instances")
_OASST_FIELDS = ("prompt",)
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


def _is_oasst_tree(raw: dict) -> bool:
    """An Open-Assistant message tree: a ``message_tree_id``, or a ``prompt`` that is a
    message node (an object with ``text`` and ``replies`` or a prompter ``role``)."""
    p = raw.get("prompt")
    if type(p) is not dict:
        return "message_tree_id" in raw and "prompt" in raw
    return "text" in p and ("replies" in p or p.get("role") == "prompter"
                            or "message_id" in p)


def unread_layout(raw: dict) -> str | None:
    """What a record that no layout fits looks like, when it is a known layout datalint
    does not read: the text of the unknown-format finding (what it is, what datalint reads,
    how to convert it).  None: nothing recognised."""
    if "message_id" in raw and "parent_id" in raw and "text" in raw and "role" in raw:
        return ("looks like Open-Assistant messages (one message per line, linked by "
                "`parent_id`); datalint reads whole conversations or Open-Assistant message "
                "trees (`*.trees.jsonl`); convert it with oasst_data's messages-to-trees "
                "script or build a `messages` list per conversation")
    turns = raw.get("turns")
    if isinstance(turns, list) and turns and all(isinstance(t, str) for t in turns):
        return ("looks like a prompt set (questions in `turns`, as in MT-Bench) with no "
                "answers; datalint reads training records with answers (`messages`, "
                "`conversations`, `instruction`/`output`…): lint it as a production sample "
                "(--production) rather than as training data")
    return None


#: the fields a record is read by when ``chosen``/``rejected`` hold no answer (a flag)
_READ_FIRST = ("messages", "conversations", "instruction", "conversation", "prompt", "text")


def _flags(raw: dict) -> bool:
    """``chosen``/``rejected`` are booleans beside another layout's fields (``"rejected":
    false`` on a chat record): flags of that record, not a preference pair."""
    return all(type(raw[k]) is bool for k in ("chosen", "rejected") if k in raw) and \
        any(k in raw for k in _READ_FIRST)


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
        if ("chosen" in raw or "rejected" in raw) and not _flags(raw):
            rec.layout = "preference"
            used = self._preference(rec, raw)
        elif "messages" in raw:
            rec.layout = "chat"
            rec.turns = self._messages(rec, raw["messages"], "messages")
            used = _CHAT_FIELDS
            if "tools" in raw:
                used = _CHAT_TOOLS_FIELDS
                self._tools(rec, raw["tools"])
            self._kto(rec, raw)
        elif "conversations" in raw:
            rec.layout = "sharegpt"
            used = _SHAREGPT_FIELDS
            turns = []
            if isinstance(raw.get("system"), str) and raw["system"].strip():
                turns.append(Turn(SYSTEM, raw["system"], "system", "system"))
            turns.extend(self._messages(rec, raw["conversations"], "conversations"))
            rec.turns = turns
            if "tools" in raw:
                self._tools(rec, raw["tools"])
            self._kto(rec, raw)
        elif "instruction" in raw:
            if "instances" in raw and "output" not in raw and "response" not in raw:
                rec.layout = "self-instruct"
                used = _SELF_INSTRUCT_FIELDS
                self._self_instruct(rec, raw)
            else:
                rec.layout = "alpaca"
                used = _DOLLY_FIELDS if "context" in raw and "input" not in raw \
                    else _ALPACA_FIELDS
                self._alpaca(rec, raw)
        elif isinstance(raw.get("conversation"), list):
            rec.layout = "chat"
            used = ("conversation",)
            rec.turns = self._messages(rec, raw["conversation"], "conversation")
            self._kto(rec, raw)
        elif _is_oasst_tree(raw):
            rec.layout = "oasst-tree"
            used = _OASST_FIELDS
            self._oasst_tree(rec, raw)
        else:
            for p, c in _PC_PAIRS:
                if p in raw and (c in raw or (p == "prompt")):
                    rec.layout = "prompt-completion"
                    used = (p, c)
                    self._prompt_completion(rec, raw, p, c)
                    self._kto(rec, raw)
                    break
            else:
                hint = unread_layout(raw)
                if "text" in raw and hint is None:
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
                    rec.add_issue(UNKNOWN_FORMAT, None, hint or
                                  f"no known layout fits this record (fields: {keys})")
        # metadata and id: everything the layout did not consume, made from the raw fields
        # when first asked for (from the renamed ones now, when fields are mapped)
        rec.consumed = used
        if raw is not rec.raw or rec._meta is not None:  # renamed fields, or the layout's own
            meta = {k: v for k, v in raw.items() if k not in used and k != SUPPRESS_FIELD}
            if rec._meta:  # what the layout added (an Open-Assistant tree's ranks)
                meta.update(rec._meta)
            rec.meta = meta

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
                if type(raw_role) is str and type(content) is str and \
                        raw_role != _FUNCTION_CALL:
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
            t = self._message(rec, m, f"{base}[{i}]", branch)
            if t is not None:
                turns.append(t)
        return turns

    def _message(self, rec: Record, m: Any, f: str, branch: str | None) -> Turn | None:
        """One message object (``{role, content, …}`` or ShareGPT's ``{from, value}``) at
        field ``f``; None when it is not an object (reported)."""
        if not isinstance(m, dict):
            rec.add_issue(WRONG_TYPE, f, f"message is {_a_type(m)}, expected an object")
            return None
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
        if tool_calls is None and raw_role is not None and text and \
                raw_role.lower() == _FUNCTION_CALL:
            tool_calls = _written_calls(text)
        weight = m.get("weight")
        tcid = m.get("tool_call_id")
        return Turn(role, text, field, raw_role, None, tool_calls,
                    tcid if isinstance(tcid, str) else None,
                    weight if isinstance(weight, (int, float)) else None, branch)

    def _tools(self, rec: Record, value: Any) -> None:
        """``rec.tools`` from a ``tools`` field: a list of definitions, or a JSON string
        of one (LLaMA-Factory); an empty string or null offers none."""
        if isinstance(value, str):
            if not value.strip():
                rec.tools = []
                return
            try:
                value = orjson.loads(value)
            except orjson.JSONDecodeError:
                rec.add_issue(WRONG_TYPE, "tools",
                              "`tools` is a string that does not parse as JSON, expected a "
                              "list of tool definitions")
                return
        if value is None:
            rec.tools = []
        elif isinstance(value, list):
            rec.tools = value
        elif isinstance(value, dict):
            rec.tools = [value]
        else:
            rec.add_issue(WRONG_TYPE, "tools",
                          f"`tools` is {_a_type(value)}, expected a list of tool definitions")

    def _kto(self, rec: Record, raw: dict) -> None:
        """A KTO record labelled ``false``: its answer (the assistant turns after the last
        user turn) is trained against, so it moves to ``rec.rejected``."""
        for k in _KTO_LABELS:
            if raw.get(k) is False:
                break
        else:
            return
        turns = rec.turns
        k = len(turns)
        while k and turns[k - 1].role == ASSISTANT:
            k -= 1
        if k == len(turns) or not k:
            return  # no answer to move (or nothing before it): the turn rules judge it
        answer = turns[k:]
        for t in answer:
            t.branch = REJECTED
        rec.turns = turns[:k]
        rec.rejected = answer

    def _single(self, rec: Record, value: Any, field: str, branch: str | None) -> list[Turn]:
        """One side of a preference pair: a string answer, a message list or one message
        object (LLaMA-Factory's ``{"from": "gpt", "value": …}``)."""
        if isinstance(value, list):
            return self._messages(rec, value, field, branch)
        if isinstance(value, dict) and ("content" in value or "value" in value
                                        or "role" in value or "from" in value):
            t = self._message(rec, value, field, branch)
            return [t] if t is not None else []
        text = self._content(rec, value, field, required=True)
        return [Turn(ASSISTANT, text, field, None, branch=branch)]

    def _preference(self, rec: Record, raw: dict) -> tuple[str, ...]:
        """A preference pair; returns the fields it consumed."""
        turns: list[Turn] = []
        used = _PREFERENCE_FIELDS
        if "prompt" in raw:
            if isinstance(raw.get("system"), str):
                turns.append(Turn(SYSTEM, raw["system"], "system", "system"))
            p = raw["prompt"]
            if isinstance(p, list):
                turns.extend(self._messages(rec, p, "prompt"))
            else:
                turns.append(Turn(USER, self._content(rec, p, "prompt", True), "prompt"))
        else:
            # the prompt as a conversation: LLaMA-Factory's ``conversations`` (ShareGPT, with
            # a separate ``system``), or ``messages``
            base = "conversations" if "conversations" in raw else \
                "messages" if "messages" in raw else None
            if base is not None:
                used = _PREFERENCE_FIELDS + (base, "tools")
                if isinstance(raw.get("system"), str) and raw["system"].strip():
                    turns.append(Turn(SYSTEM, raw["system"], "system", "system"))
                turns.extend(self._messages(rec, raw[base], base))
                if "tools" in raw:
                    self._tools(rec, raw["tools"])
            elif isinstance(raw.get("system"), str):
                turns.append(Turn(SYSTEM, raw["system"], "system", "system"))
        for side in ("chosen", "rejected"):
            if side not in raw:
                rec.add_issue(MISSING_FIELD, side,
                              f"preference pair has no `{side}` answer")
        chosen = self._single(rec, raw["chosen"], "chosen", None) if "chosen" in raw else []
        rejected = self._single(rec, raw["rejected"], "rejected", REJECTED) \
            if "rejected" in raw else []
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
        return used

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
        # Dolly (databricks-dolly-15k) calls the input ``context``
        inf = "input" if "input" in raw or "context" not in raw else "context"
        instr = self._content(rec, raw.get("instruction"), "instruction", True)
        turns.append(self._user_turn(rec, instr, raw.get(inf), inf))
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

    def _user_turn(self, rec: Record, instr: str | None, inp: Any, input_field: str) -> Turn:
        """The user turn of an instruction and its optional input, kept as two spans."""
        spans = [Span("instruction", instr)] if instr is not None else []
        user_text = instr
        if inp is not None:
            inp = self._content(rec, inp, input_field, False)
            if inp:
                spans.append(Span(input_field, inp))
                user_text = f"{instr}\n\n{inp}" if instr else inp
        return Turn(USER, user_text, "instruction", spans=spans)

    def _self_instruct(self, rec: Record, raw: dict) -> None:
        """A self-instruct seed task: each of its ``instances`` is an input/output example of
        the one instruction.  The first instance makes ``turns``, the others
        ``alternatives`` (each a user turn, the instruction with that input, and the
        answer)."""
        instr = self._content(rec, raw.get("instruction"), "instruction", True)
        instances = raw["instances"]
        if not isinstance(instances, list):
            rec.add_issue(WRONG_TYPE, "instances",
                          f"`instances` is {_a_type(instances)}, expected a list of "
                          "{input, output} objects")
            instances = []
        elif not instances:
            rec.add_issue(MISSING_FIELD, "instances",
                          "`instances` is empty: the task has no example output")
        convs: list[list[Turn]] = []
        for i, inst in enumerate(instances):
            f = f"instances[{i}]"
            if not isinstance(inst, dict):
                rec.add_issue(WRONG_TYPE, f, f"instance is {_a_type(inst)}, expected an "
                                             "{input, output} object")
                continue
            conv = [self._user_turn(rec, instr, inst.get("input"), f"{f}.input")]
            if "output" in inst:
                out = self._content(rec, inst["output"], f"{f}.output", True)
                conv.append(Turn(ASSISTANT, out, f"{f}.output"))
            else:
                rec.add_issue(MISSING_FIELD, f"{f}.output", "instance has no `output`")
            convs.append(conv)
        if not convs:
            convs.append([self._user_turn(rec, instr, None, "input")])
        rec.turns = convs[0]
        if len(convs) > 1:
            rec.alternatives = convs[1:]

    def _oasst_tree(self, rec: Record, raw: dict) -> None:
        """An Open-Assistant message tree (see the module docstring)."""
        root = raw.get("prompt")
        if root is None:
            rec.add_issue(MISSING_FIELD, "prompt", "message tree has no `prompt` message")
            return
        if not isinstance(root, dict):
            rec.add_issue(WRONG_TYPE, "prompt",
                          f"`prompt` is {_a_type(root)}, expected a message object")
            return
        # every root-to-leaf path, as lists of (turn, node); the turns are shared
        paths: list[list[tuple[Turn, dict]]] = []
        stack: list[tuple[dict, str, list[tuple[Turn, dict]]]] = [(root, "prompt", [])]
        while stack:
            node, f, path = stack.pop()
            raw_role = node.get("role")
            if not isinstance(raw_role, str):
                if raw_role is None:
                    rec.add_issue(MISSING_FIELD, f"{f}.role", "message has no `role`")
                else:
                    rec.add_issue(WRONG_TYPE, f"{f}.role",
                                  f"`role` is {_a_type(raw_role)}, expected a string")
                role, raw_role = "?", None
            else:
                role = self._role(raw_role)
            text = self._content(rec, node.get("text"), f"{f}.text", True)
            path = path + [(Turn(role, text, f"{f}.text", raw_role), node)]
            replies = node.get("replies")
            if replies is not None and not isinstance(replies, list):
                rec.add_issue(WRONG_TYPE, f"{f}.replies",
                              f"`replies` is {_a_type(replies)}, expected a list")
                replies = None
            children = []
            for i, child in enumerate(replies or ()):
                if isinstance(child, dict):
                    children.append((child, f"{f}.replies[{i}]", path))
                else:
                    rec.add_issue(WRONG_TYPE, f"{f}.replies[{i}]",
                                  f"reply is {_a_type(child)}, expected a message object")
            if children:
                stack.extend(reversed(children))  # paths come out in the file's order
            else:
                paths.append(path)
        best = _best_path(root)
        primary = next(p for p in paths if len(p) == len(best)
                       and all(n is b for (_, n), b in zip(p, best)))
        turns = [t for t, _ in primary]
        end = len(turns)
        while end and turns[end - 1].role != ASSISTANT:
            end -= 1
        if end:  # a path ending on an unanswered prompter message: up to its last answer
            turns = turns[:end]
        rec.turns = turns
        others = [[t for t, _ in p] for p in paths
                  if p is not primary or len(turns) < len(p)]
        if others:
            rec.alternatives = others
        meta: dict[str, Any] = {"ranks": [n.get("rank") for _, n in primary[:len(turns)]],
                                "paths": len(paths)}
        if "lang" not in raw and isinstance(root.get("lang"), str):
            meta["lang"] = root["lang"]
        rec.meta = meta

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


def _best_path(root: dict) -> list[dict]:
    """The nodes of the best-ranked path of a message tree: from each node, the reply that
    is not deleted nor rejected by review and has the lowest ``rank`` (unranked replies
    after ranked ones, ties in the file's order)."""
    path = [root]
    node = root
    while True:
        replies = node.get("replies")
        if not isinstance(replies, list):
            return path
        options = [(_reply_key(r, i), i) for i, r in enumerate(replies) if isinstance(r, dict)]
        if not options:
            return path
        node = replies[min(options)[1]]
        path.append(node)


def _reply_key(node: dict, i: int) -> tuple:
    rank = node.get("rank")
    ranked = isinstance(rank, (int, float)) and not isinstance(rank, bool)
    return (node.get("deleted") is True, node.get("review_result") is False, not ranked,
            rank if ranked else 0, i)


def _written_calls(text: str) -> list[dict] | None:
    """The tool calls of a ShareGPT ``function_call`` turn, whose text is the JSON call
    (``{"name": …, "arguments": …}``, or a list of them), in OpenAI's ``tool_calls`` shape;
    None when the text is not such JSON."""
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    calls = value if isinstance(value, list) else [value]
    if not calls or not all(isinstance(c, dict) and isinstance(c.get("name"), str)
                            for c in calls):
        return None
    return [{"type": "function", "function": c} for c in calls]
