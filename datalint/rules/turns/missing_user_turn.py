from ...io.record import ASSISTANT, USER
from ...rule import RecordRule

from ._common import structure_skipped


def _no_user(roles) -> bool:
    return USER not in roles


class MissingUserTurn(RecordRule):
    """A conversation with an assistant answer but no user turn at all.

    ## What it does
    Reports records that have assistant turns but no user turn, such as a system prompt
    followed directly by an answer.  Records with no assistant turn either are reported by
    ``no-assistant-turn``; preference pairs given as two plain strings with no ``prompt`` (the
    prompt is inside the text, as in the raw Anthropic HH format) are not checked, nor are
    plain ``text`` records and records with layout problems.

    ## Why it hurts fine-tuning
    The model learns to produce the answer unprompted, from the system prompt alone: at
    inference it may start talking before the user asks anything, or the answer is trained
    without the question that makes it right.  It usually means the user message was lost in
    an export step.

    ## Example
    ```
    {"messages": [{"role": "system", "content": "You are a cheerful assistant."},
                  {"role": "assistant", "content": "You're great!"}]}
    ```

    ## How to fix
    Restore the user message from the source, or drop the record.

    ## Options
    None.
    """

    code = "R006"
    name = "missing-user-turn"
    summary = "a conversation with no user turn"
    severity = "error"

    roles = staticmethod(_no_user)

    def check(self, record):
        turns = record.turns
        for t in turns:
            if t.role == USER:
                return ()
        if structure_skipped(record):
            return ()
        if not any(t.role == ASSISTANT for t in turns):
            return ()  # nothing at all to learn: no-assistant-turn
        if record.layout == "preference" and turns[-1].field == "chosen":
            return ()  # string pair without a prompt: the prompt is part of the text
        base = turns[-1].field.split("[", 1)[0].split(".", 1)[0]
        roles = " + ".join(t.role for t in turns[:6]) + (" + …" if len(turns) > 6 else "")
        return (self.finding(record, f"no user turn ({roles}): the answer has no question",
                             field=base, evidence="have no user turn"),)
