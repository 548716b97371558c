from ...rule import ReaderRule


# The logic: datalint/io/readers.py reports it (a file that yields no record);
# this file is the rule's documentation, options and severity.
#: The rule's code, imported by the code that reports it.
EMPTY_FILE = "F008"


class EmptyFile(ReaderRule):
    """A data file with no records.

    ## What it does
    Reports files that are empty, hold only whitespace, an empty JSON list, or no line that
    parses.

    ## Why it hurts fine-tuning
    An empty shard usually means an export step failed; the run trains on less data than
    planned without saying so.

    ## Example
    A zero-byte ``train-00003.jsonl``.

    ## How to fix
    Re-run the export that produced the file, or remove it from the data folder.

    ## Options
    None.
    """

    code = EMPTY_FILE
    name = "empty-file"
    summary = "a data file with no records"
    severity = "warning"
