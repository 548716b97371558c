from ...rule import ReaderRule


# The logic: datalint/io/readers.py reports it (sniffing the first bytes, decoding each line);
# this file is the rule's documentation, options and severity.
#: The rule's code, imported by the code that reports it.
FILE_ENCODING = "F007"


class FileEncoding(ReaderRule):
    """A file that is not plain UTF-8: a byte-order mark, UTF-16 or UTF-32 text, invalid bytes,
    or binary content.

    ## What it does
    Reports a UTF-8 byte-order mark (BOM), text in UTF-16/UTF-32 (read and linted all the
    same), bytes that do not decode, and files that are binary (not linted).

    ## Why it hurts fine-tuning
    Many loaders read a BOM into the first field name (``\\ufeffmessages``) and lose the first
    record; UTF-16 files fail outright in most JSON Lines readers.

    ## Example
    A JSON Lines file saved by a Windows editor as "Unicode" (UTF-16 LE with BOM).

    ## How to fix
    Re-save as UTF-8 without BOM, e.g. ``iconv -f UTF-16 -t UTF-8 in.jsonl > out.jsonl``.

    ## Options
    None.
    """

    code = FILE_ENCODING
    name = "file-encoding"
    summary = "a file that is not plain UTF-8 (BOM, UTF-16, invalid bytes, binary)"
    severity = "warning"
