from ...rule import LayoutRule


# The logic: datalint/pipeline/read.py reports it, from what pipeline/suppress.py
# parses of a record's suppression field;
# this file is the rule's documentation, options and severity.
#: The rule's code, imported by the code that reports it.
BLANKET_SUPPRESSION = "F010"


class BlanketSuppression(LayoutRule):
    """A per-record suppression that names no rule: ``"_datalint_ignore": true`` (or ``"*"``,
    ``"all"``, an empty list).

    ## What it does
    Reports records that silence every rule at once.  The suppression still applies; this
    finding is the reminder that it hides problems nobody has looked at.

    ## Why it hurts fine-tuning
    A blanket suppression added for one known issue also hides the next one (an empty answer,
    a leaked API key) on the same record.

    ## Example
    ```
    {"messages": [...], "_datalint_ignore": true}
    ```

    ## How to fix
    Name the rules: ``"_datalint_ignore": ["unfilled-placeholder"]``.

    ## Options
    None.
    """

    code = BLANKET_SUPPRESSION
    name = "blanket-suppression"
    summary = "a per-record suppression without a rule code"
    severity = "warning"
