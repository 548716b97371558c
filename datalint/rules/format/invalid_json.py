from ...rule import ReaderRule


# The logic: datalint/io/readers.py reports it (a line or file that does not parse);
# this file is the rule's documentation, options and severity.
#: The rule's code, imported by the code that reports it.
INVALID_JSON = "F001"


class InvalidJson(ReaderRule):
    """A line of a JSON Lines file, or a whole JSON file, that does not parse.

    ## What it does
    Reports every line that is not valid JSON, with the position of the first error: broken
    quoting, trailing commas, a NUL byte, invalid UTF-8 bytes, nesting deeper than the parser
    allows, or a line larger than ``--max-line-bytes``.  The rest of the file is still linted.

    ## Why it hurts fine-tuning
    Most training loaders either crash on the first bad line (a lost GPU reservation) or skip it
    silently, so the model trains on less data than you think, and never on the examples that
    were hardest to write.

    ## Example
    ```
    {"messages": [{"role": "user", "content": "Hi"}]
    ```
    (a missing closing brace: ``unexpected end of data``)

    ## How to fix
    Re-export the line from its source with a JSON serializer instead of string formatting; for
    NUL bytes and invalid UTF-8, find the tool that produced them.

    ## Options
    None.  The line size limit is the global ``--max-line-bytes`` option.
    """

    code = INVALID_JSON
    name = "invalid-json"
    summary = "a line or file that is not valid JSON"
    severity = "error"
