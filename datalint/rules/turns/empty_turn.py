from ...io.record import SYSTEM, TOOL, USER
from ...rule import RecordRule

from ._common import message_field

_ROLES = (SYSTEM, USER, TOOL)


class EmptyTurn(RecordRule):
    """A system, user or tool turn whose text is empty or only whitespace.

    ## What it does
    Reports system prompts, user messages and tool results that are ``""`` or only spaces and
    newlines: an explicit system message with no text, an empty ``prompt``, an Alpaca record
    whose ``instruction`` and ``input`` are both empty, an empty question in ``history``.
    Empty assistant answers are reported by ``empty-response``; an assistant message that only
    carries ``tool_calls`` (``content: null``) is normal.  Content that is not text (an
    image-only message) and a missing or null field (reported by ``missing-field``) are left
    alone, and so is an empty optional top-level ``system`` column.  An empty tool result is
    reported as a warning, since a tool can legitimately return nothing.

    ## Why it hurts fine-tuning
    The chat template still renders the turn's header, so the model learns to answer a message
    that says nothing, or learns that an empty system block is normal.  An empty user turn
    usually means the prompt was lost in an export step and the answer is trained without the
    question it answers.

    ## Example
    ```
    {"messages": [{"role": "system", "content": ""},
                  {"role": "user", "content": "   "},
                  {"role": "assistant", "content": "Sure, here it is."}]}
    ```

    ## How to fix
    Drop empty system messages (or fill in the prompt you use in production), restore the lost
    user text from the source or drop the record; for a tool that returned nothing, write what
    the application really shows the model, e.g. ``"(no output)"``.

    ## Options
    None.
    """

    code = "R001"
    name = "empty-turn"
    summary = "a system, user or tool turn with empty or whitespace-only text"
    severity = "error"

    def check(self, record):
        out = None
        for t in record.turns:
            text = t.text
            if text is None or (text and not text.isspace()):
                continue
            role = t.role
            if role not in _ROLES:
                continue  # assistant: empty-response; unknown roles: unknown-role; text records
            if role == SYSTEM and t.field == "system":
                continue  # an optional top-level system column left empty
            what = "empty" if not text else "only whitespace"
            if role == TOOL:
                f = self.finding(record, f"tool result is {what}; if the tool returned nothing, "
                                         "say so in the text (e.g. \"(no output)\")",
                                 field=t.field, severity="warning")
            else:
                label = "system prompt" if role == SYSTEM else "user turn"
                where = message_field(t)
                f = self.finding(record, f"{label} `{where}` is {what}", field=t.field)
            if out is None:
                out = [f]
            else:
                out.append(f)
        return out or ()
