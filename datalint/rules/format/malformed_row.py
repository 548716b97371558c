from ...rule import ReaderRule


# The logic: datalint/io/readers.py reports it (CSV/TSV rows against the header);
# this file is the rule's documentation, options and severity.
#: The rule's code, imported by the code that reports it.
MALFORMED_ROW = "F009"


class MalformedRow(ReaderRule):
    """A CSV/TSV row whose number of fields differs from the header, or that the CSV parser
    rejects.

    ## What it does
    Reports rows with more or fewer fields than the header has (usually an unquoted delimiter
    or newline inside a text cell).

    ## Why it hurts fine-tuning
    The row's text ends up in the wrong column: an answer is trained as part of a prompt, or
    is cut in half.

    ## Example
    ```
    prompt,completion
    Say hi, politely,Hello!
    ```

    ## How to fix
    Quote text cells when writing CSV (any CSV library does), or switch to JSON Lines.

    ## Options
    None.
    """

    code = MALFORMED_ROW
    name = "malformed-row"
    summary = "a CSV/TSV row that does not match the header"
    severity = "error"
