from ...io.record import ASSISTANT, TOOL
from ...rule import RecordRule

from ._common import join_problems, message_field, structure_skipped
from operator import attrgetter


_VERDICTS: dict = {}  # role sequence -> may this rule report it (see Batch.with_roles)
_tool_calls_of = attrgetter("tool_calls")


def _has_tool(roles) -> bool:
    return TOOL in roles


class ToolCallMismatch(RecordRule):
    """Tool calls and tool results that do not pair up: a result with no call before it, a
    ``tool_call_id`` that matches no call, a call that never gets its result.

    ## What it does
    Follows the OpenAI chat convention (an assistant message with ``tool_calls``, each with an
    ``id``, followed by ``tool`` messages whose ``tool_call_id`` names the call) and reports,
    once per record:

    * a tool result that does not follow an assistant turn (it comes after a user or system
      turn, or opens the conversation);
    * a ``tool_call_id`` that matches none of the calls made before it;
    * a call whose result never arrives although tool results come later in the conversation
      (a conversation that ends on a call, to teach the call itself, is fine).  When some
      results carry no ``tool_call_id``, a call counts as answered if a tool result follows it.

    Calls written in the assistant's text (ShareGPT ``function_call``/``observation`` turns,
    Llama ``ipython``) have no ids; for them only the first check applies.  Records with layout
    problems or unknown roles and plain ``text`` records are not checked.

    ## Why it hurts fine-tuning
    The OpenAI fine-tuning API rejects such files, and chat templates that render tool results
    by id fail or attach the result to the wrong call.  A model trained on results that appear
    from nowhere learns to invent tool output instead of calling the tool.

    ## Example
    ```
    {"messages": [{"role": "user", "content": "Weather in Oslo?"},
                  {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1",
                   "type": "function", "function": {"name": "weather",
                   "arguments": "{\\"city\\": \\"Oslo\\"}"}}]},
                  {"role": "tool", "tool_call_id": "call_2", "content": "4 °C, rain"},
                  {"role": "assistant", "content": "4 °C and rainy."}]}
    ```

    ## How to fix
    Make every ``tool_call_id`` repeat the ``id`` of its call, put each result right after the
    assistant message that made the call, and restore missing results (or drop the record).

    ## Options
    None.
    """

    code = "R007"
    name = "tool-call-mismatch"
    summary = "tool results and tool calls that do not pair up by position or id"
    severity = "error"

    def candidates(self, batch):
        # not a ``roles`` declaration alone: a tool call is a turn's field, not its role
        if any(map(_tool_calls_of, batch.turns)):
            return batch.records
        return batch.with_roles(_VERDICTS, _has_tool)

    def check(self, record):
        turns = record.turns
        for t in turns:
            if t.tool_calls or t.role == TOOL:
                break
        else:
            return ()
        if structure_skipped(record):
            return ()
        problems: list[tuple[str, str]] = []
        calls: dict[str, tuple[int, str]] = {}  # id -> (turn index, field of the call)
        anon_calls: list[int] = []  # indexes of calling turns whose calls have no usable id
        answered: set[str] = set()
        result_at: list[int] = []
        all_ids = True
        prev = None  # role of the previous non-tool turn
        for i, t in enumerate(turns):
            role = t.role
            if role == TOOL:
                result_at.append(i)
                tcid = t.tool_call_id
                if tcid is None:
                    all_ids = False
                if prev != ASSISTANT:
                    where = "opens the conversation" if prev is None else f"follows a {prev} turn"
                    problems.append((message_field(t),
                                     f"tool result `{message_field(t)}` {where}, with no "
                                     "assistant tool call before it"))
                elif tcid is not None:
                    if tcid in calls:
                        answered.add(tcid)
                    else:
                        problems.append((f"{message_field(t)}.tool_call_id",
                                         f"tool_call_id {tcid!r} of `{message_field(t)}` matches "
                                         "no earlier tool call id"))
                continue
            prev = role
            if role == ASSISTANT and t.tool_calls:
                base = message_field(t)
                anon = False
                for j, c in enumerate(t.tool_calls):
                    cid = c.get("id") if isinstance(c, dict) else None
                    if isinstance(cid, str) and cid:
                        calls.setdefault(cid, (i, f"{base}.tool_calls[{j}]"))
                    else:
                        anon = True
                if anon:
                    anon_calls.append(i)
        if result_at:
            last_result = result_at[-1]
            if all_ids:
                for cid, (i, field) in calls.items():
                    if cid not in answered and i < last_result:
                        problems.append((field, f"tool call {cid!r} (`{field}`) never gets a "
                                                "result"))
            else:
                for i, field in sorted(calls.values()):
                    anon_calls.append(i)
            for i in sorted(set(anon_calls)):
                if i < last_result and (i + 1 >= len(turns) or turns[i + 1].role != TOOL):
                    f = message_field(turns[i])
                    problems.append((f"{f}.tool_calls", f"tool call at `{f}` is not followed by "
                                                        "a tool result"))
        if not problems:
            return ()
        field, message = join_problems(problems)
        return (self.finding(record, message, field=field),)
