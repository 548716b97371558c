from ...io.record import ASSISTANT
from ...rule import RecordRule

from ._common import structure_skipped
from operator import attrgetter

_LIST_FIELDS = {"chat": "messages", "sharegpt": "conversations", "preference": "chosen"}


_VERDICTS: dict = {}  # role sequence -> may this rule report it (see Batch.with_roles)
_weight_of = attrgetter("weight")


def _no_assistant(roles) -> bool:
    return ASSISTANT not in roles


class NoAssistantTurn(RecordRule):
    """A conversation with no assistant turn: nothing in it for the model to learn.

    ## What it does
    Reports records with user, system or tool turns but no assistant turn, and chat records
    whose every assistant turn has ``weight: 0`` (OpenAI's flag for "do not train on this
    message"), and empty message lists.  For preference pairs the chosen answer counts as the
    assistant turn, and so does a KTO answer labelled ``false`` (it is trained against).
    Records whose answer field is missing are reported by ``missing-field`` instead,
    records with an unknown role by ``unknown-role``; plain ``text`` records are not checked.

    Measured: on the 12 public fine-tuning files of the project's corpus it reports nothing;
    before LLaMA-Factory's preference layout was read, its 194 findings on a valid preference
    set were all false (the answers were in ``chosen``).

    ## Why it hurts fine-tuning
    Supervised fine-tuning only computes loss on assistant tokens: a record without them costs
    tokens and time and teaches nothing, or, with trainers that train on every token, teaches
    the model to write user messages.  Whole files of such records are usually prompt sets
    (evaluation questions) passed by mistake as training data.

    ## Example
    ```
    {"messages": [{"role": "system", "content": "You are a travel agent."},
                  {"role": "user", "content": "Find me a flight to Lisbon."}]}
    ```

    ## How to fix
    Add the answer the model should learn, or drop the record; if the file is a prompt set,
    do not train on it.

    ## Options
    None.
    """

    code = "R004"
    name = "no-assistant-turn"
    summary = "a conversation with no assistant turn to learn from"
    severity = "error"

    def candidates(self, batch):
        # not a ``roles`` declaration alone: a weight-0 answer is a turn's field, not its role
        if 0 in map(_weight_of, batch.turns):
            return batch.records  # a weight-0 answer: look at every record
        return batch.with_roles(_VERDICTS, _no_assistant)

    def check(self, record):
        for t in record.turns:
            if t.role == ASSISTANT and t.weight != 0:
                return ()
        if record.rejected and any(t.role == ASSISTANT for t in record.rejected):
            return ()  # a KTO answer labelled false: trained against, not nothing to learn
        turns = record.turns
        if not turns:
            # an empty message list is no layout issue, but nothing to learn either
            if record.issues or record.layout not in _LIST_FIELDS:
                return ()
            f = _LIST_FIELDS[record.layout]
            return (self.finding(record, f"empty conversation: `{f}` has no messages",
                                 field=f),)
        if structure_skipped(record):
            return ()
        base = turns[-1].field.split("[", 1)[0].split(".", 1)[0]
        if any(t.role == ASSISTANT for t in turns):
            msg = ("every assistant turn has weight 0: nothing in this conversation is trained")
        else:
            roles = sorted({t.role for t in turns})
            msg = (f"no assistant turn (only {', '.join(roles)}): nothing to learn from")
        return (self.finding(record, msg, field=base),)
