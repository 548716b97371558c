from ...io.record import ASSISTANT, USER
from ...rule import RecordRule

from ._common import message_field, structure_skipped


def _ends_with_user(roles) -> bool:
    return bool(roles) and roles[-1] == USER


class EndsWithUser(RecordRule):
    """A conversation whose last turn is a user message that nobody answers.

    ## What it does
    Reports conversations that end with a user turn after at least one assistant turn.
    Conversations with no assistant turn at all are reported by ``no-assistant-turn``;
    plain ``text`` records and records with layout problems are not checked, nor is a
    conversation whose last user turn is answered by a rejected answer (a KTO answer
    labelled ``false``; for a preference pair the chosen answer ends the conversation).

    Measured: on the 12 public fine-tuning files of the project's corpus it reports nothing;
    before LLaMA-Factory's preference layout was read, its 106 findings on a valid preference
    set were all false (the answers were in ``chosen``).

    ## Why it hurts fine-tuning
    The last user message is never answered, so its tokens are wasted.  Worse, some trainers
    and chat templates treat the last turn as the one to learn (``add_generation_prompt`` and
    "train on the last turn" options) and mask or unmask the wrong span.  It is also a common
    trace of a conversation cut short by a length limit.

    ## Example
    ```
    {"messages": [{"role": "user", "content": "What is 2+2?"},
                  {"role": "assistant", "content": "4."},
                  {"role": "user", "content": "And times 3?"}]}
    ```

    ## How to fix
    Add the missing answer, or drop the trailing user message.

    ## Options
    None.
    """

    code = "R005"
    name = "ends-with-user"
    summary = "a conversation that ends with an unanswered user turn"
    severity = "warning"

    roles = staticmethod(_ends_with_user)

    def check(self, record):
        turns = record.turns
        if not turns or turns[-1].role != USER:
            return ()
        if structure_skipped(record) or record.rejected:
            return ()  # a rejected side answers the last user turn (a KTO answer labelled
            # false; a preference pair whose chosen side is missing is a layout issue)
        for t in turns:
            if t.role == ASSISTANT:
                break
        else:
            return ()  # no assistant turn at all: no-assistant-turn
        last = turns[-1]
        return (self.finding(record, f"conversation ends with an unanswered user turn "
                                     f"(`{message_field(last)}`)", field=last.field,
                             evidence="end with an unanswered user turn"),)
