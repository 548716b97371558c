from ...rule import LayoutRule


# The logic: datalint/io/layouts.py reports it while mapping a record to turns;
# this file is the rule's documentation, options and severity.
#: The rule's code, imported by the code that reports it.
WRONG_TYPE = "F006"


class WrongType(LayoutRule):
    """A field of the wrong JSON type: content that is a number or an object, ``messages`` that is
    not a list, a record that is a list or a number instead of an object.

    ## What it does
    Reports values whose type does not match what the layout expects (text fields must be
    strings, message lists must be lists of objects, a record must be an object, a ``tools``
    string must parse as JSON, an Open-Assistant tree's ``replies`` and a self-instruct
    task's ``instances`` must be lists of objects).  A file none of whose records fits a
    layout is ``unknown-format``'s, once: its records are not reported one by one here.

    ## Why it hurts fine-tuning
    Chat templates call string methods on content; a number or a dict either crashes
    tokenization or is silently turned into ``"42"`` or ``"{'a': 1}"`` and trained on.

    ## Example
    ```
    {"messages": [{"role": "user", "content": 42}, {"role": "assistant", "content": "ok"}]}
    ```

    ## How to fix
    Serialize the value as text where it belongs in the conversation, or fix the export.

    ## Options
    None.
    """

    code = WRONG_TYPE
    name = "wrong-type"
    summary = "a field of the wrong JSON type (content not a string, record not an object)"
    severity = "error"
