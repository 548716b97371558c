from ...rule import LayoutRule


# The logic: datalint/io/layouts.py reports it while mapping a record to turns;
# this file is the rule's documentation, options and severity.
#: The rule's code, imported by the code that reports it.
MISSING_FIELD = "F005"


class MissingField(LayoutRule):
    """Required content is missing: a message without ``content`` or ``role``, an Alpaca record
    without ``output``, a preference pair without ``rejected``.

    ## What it does
    Reports fields the record's layout requires that are absent or ``null`` (an assistant
    message that carries ``tool_calls`` may have no content): also the ``chosen`` or
    ``rejected`` answer of a preference pair, the ``text`` of a message in an Open-Assistant
    tree, the ``output`` of a self-instruct instance.  Records of a layout datalint does not
    read are ``unknown-format``'s (one finding per file), not missing fields.

    ## Why it hurts fine-tuning
    Trainers fill a missing field with nothing or fail on it; an example with no answer teaches
    the model to stop early or to produce nothing.

    ## Example
    ```
    {"instruction": "Name a prime number.", "input": ""}
    ```

    ## How to fix
    Restore the field from the source, or drop the record.

    ## Options
    None.
    """

    code = MISSING_FIELD
    name = "missing-field"
    summary = "a field the layout requires is missing or null"
    severity = "error"
