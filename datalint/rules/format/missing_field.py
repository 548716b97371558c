from ...rule import LayoutRule


class MissingField(LayoutRule):
    """Required content is missing: a message without ``content`` or ``role``, an Alpaca record
    without ``output``, a preference pair without ``rejected``.

    ## What it does
    Reports fields the record's layout requires that are absent or ``null`` (an assistant
    message that carries ``tool_calls`` may have no content).

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

    code = "F005"
    name = "missing-field"
    summary = "a field the layout requires is missing or null"
    severity = "error"
