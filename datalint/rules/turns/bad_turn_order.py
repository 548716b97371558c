from ...io.record import ASSISTANT, SYSTEM, TOOL, USER
from ...rule import RecordRule

from ._common import CANONICAL, join_problems, message_field


def _not_plain(roles) -> bool:
    """False for the sequences this rule never reports: system turns first, then user and
    assistant turns taking turns, starting with the user."""
    i = 0
    while i < len(roles) and roles[i] == SYSTEM:
        i += 1
    for k, role in enumerate(roles[i:]):
        if role != (USER if k % 2 == 0 else ASSISTANT):
            return True
    return False


class BadTurnOrder(RecordRule):
    """A conversation whose turns are out of order: it opens with the assistant, has two turns
    in a row from the same side, or has a system prompt after the conversation started.

    ## What it does
    Reports, once per record (the first problem at its field, the others in the message):

    * the first turn after the system prompt is an assistant turn, not a user turn;
    * two user turns in a row, or two assistant turns in a row — an assistant tool call followed
      by tool results and then an assistant answer is the normal tool-use pattern and is fine;
    * a system turn that comes after a user or assistant turn (several system turns at the very
      start are fine).

    Conversations with no user turn or no assistant turn are left to ``missing-user-turn`` and
    ``no-assistant-turn``, tool results without a call to ``tool-call-mismatch``, records with
    layout problems to the format rules and plain ``text`` records are not checked.

    ## Why it hurts fine-tuning
    Chat templates of many models (Llama 2, Mistral, Gemma) raise an error unless user and
    assistant alternate, so one such record can stop a training run; templates that accept it
    teach the model to answer its own messages or to expect instructions in the middle of a
    conversation.  Two user turns in a row usually mean an answer was lost in a merge.

    ## Example
    ```
    {"messages": [{"role": "user", "content": "Translate 'cat' to French."},
                  {"role": "user", "content": "And 'dog'?"},
                  {"role": "assistant", "content": "Chien."}]}
    ```

    ## How to fix
    Merge consecutive messages from the same side, restore the missing turn, move the system
    prompt to the front; if the assistant really speaks first (a greeting), start the
    conversation with the user message that triggers it.

    ## Options
    None.
    """

    code = "R003"
    name = "bad-turn-order"
    summary = "turns out of order: assistant first, same side twice, late system prompt"
    severity = "warning"

    roles = staticmethod(_not_plain)

    def check(self, record):
        if record.issues or record.layout == "text":
            return ()
        turns = record.turns
        if len(turns) < 2:
            return ()
        problems = None
        prev = None  # the previous non-system turn
        first = None
        has_user = has_assistant = False
        for t in turns:
            role = t.role
            if role == SYSTEM:
                if first is not None:
                    problems = _add(problems, message_field(t),
                                    f"system prompt `{message_field(t)}` comes after the "
                                    "conversation started")
                continue
            if role == USER:
                has_user = True
            elif role == ASSISTANT:
                has_assistant = True
            elif role != TOOL:
                return ()  # unknown role: reported by unknown-role
            if first is None:
                first = t
            elif role == prev.role and role != TOOL and not _allowed_pair(record, prev, t):
                who = "user" if role == USER else "assistant"
                problems = _add(problems, message_field(t),
                                f"two {who} turns in a row (`{message_field(prev)}`, "
                                f"`{message_field(t)}`)")
            prev = t
        if not (has_user and has_assistant):
            return ()
        if first.role == ASSISTANT:
            problems = problems or []
            problems.insert(0, (message_field(first),
                                "conversation starts with an assistant turn, not a user turn"))
        if problems is None:
            return ()
        field, message = join_problems(problems)
        return (self.finding(record, message, field=field),)


def _add(problems, field, message):
    if problems is None:
        problems = []
    problems.append((field, message))
    return problems


def _allowed_pair(record, prev, t) -> bool:
    if prev.tool_calls:
        return True  # a tool call followed by the answer: tool-call-mismatch judges the results
    if record.layout == "preference" and prev.field.startswith(("chosen", "rejected")) \
            and t.field.startswith(("chosen", "rejected")):
        return True  # the preference adapter keeps only the answers of a multi-turn side
    return False
