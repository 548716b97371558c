from ...rule import LayoutRule


# The logic: datalint/pipeline/read.py reports it, from what pipeline/suppress.py
# parses of a record's suppression field;
# this file is the rule's documentation, options and severity.
#: The rule's code, imported by the code that reports it.
INVALID_SUPPRESSION = "F011"


class InvalidSuppression(LayoutRule):
    """A per-record suppression that names an unknown rule, or is not a list of rule names.

    ## What it does
    Reports values of the reserved ``_datalint_ignore`` field that match no rule code, prefix,
    family or name (a typo silences nothing).

    ## Why it hurts fine-tuning
    A misspelt suppression silently fails: the finding it was meant to silence comes back, or
    the person reading the data believes a record was reviewed when it was not.

    ## Example
    ```
    {"messages": [...], "_datalint_ignore": ["unfiled-placeholder"]}
    ```

    ## How to fix
    Use a name or code from ``datalint rules``.

    ## Options
    None.
    """

    code = INVALID_SUPPRESSION
    name = "invalid-suppression"
    summary = "a per-record suppression naming no known rule"
    severity = "warning"
