import re
import unicodedata

from ...io.record import Span
from ...rule import RecordRule

# Bytes 0x80-0xBF of a UTF-8 sequence as they look after a wrong decode (cp1252 or Latin-1).
_CONT = "\x80-\xbf\u20ac\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152" \
        "\u017d\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u017e\u0178"
_MOJIBAKE = f"[\xc2-\xdf][{_CONT}]|[\xe0-\xef][{_CONT}]{{2}}|[\xf0-\xf4][{_CONT}]{{3}}"
_CONTROLS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_INVISIBLE = "\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff\u061c"

_ASCII_OK = bytes(range(0x20, 0x7f)) + b"\t\n\r"
_ASCII_OK_OR_SEP = _ASCII_OK + b"\x00"
_ASCII_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CHARS = re.compile(f"[\ufffd{_CONTROLS}{_INVISIBLE}]")
_MOJI_BYTES = re.compile(rb"\xc3[\x82-\xb4][\xc2\xc5\xc6\xcb\xe2]")
_MOJIBAKE_RUN = re.compile(f"(?:{_MOJIBAKE})+")
_RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")
_ABOUT_ENCODING = re.compile(r"encod|utf-?8|unicode|mojibake|charset|code ?page|latin-?1|cp1252",
                             re.I)

_ZERO_WIDTH_JOINERS = "\u200b\u200c\u200d"  # legitimate between two non-ASCII characters
_BIDI = "\u200e\u200f\u061c\u202a\u202b\u202c\u2066\u2067\u2068\u2069"  # legitimate in RTL text
_NAMES = {
    "\u200b": "zero-width space", "\u200c": "zero-width non-joiner",
    "\u200d": "zero-width joiner", "\u200e": "left-to-right mark", "\u200f": "right-to-left mark",
    "\u202a": "left-to-right embedding", "\u202b": "right-to-left embedding",
    "\u202c": "pop directional formatting", "\u202d": "left-to-right override",
    "\u202e": "right-to-left override", "\u2060": "word joiner",
    "\u2066": "left-to-right isolate", "\u2067": "right-to-left isolate",
    "\u2068": "first strong isolate", "\u2069": "pop directional isolate",
    "\ufeff": "byte order mark", "\u061c": "Arabic letter mark", "\ufffd": "replacement character",
}


def _has_special(s: str) -> bool:
    """Whether ``s`` may hold a replacement, control or invisible character (cheap, in C:
    ``str.isprintable`` is false for controls and format characters)."""
    if "\ufffd" in s:
        return True
    if "\n" in s:
        s = s.replace("\n", " ")
    if "\t" in s:
        s = s.replace("\t", " ")
    if "\r" in s:
        s = s.replace("\r", " ")
    return not s.isprintable()


def _cp(c: str) -> str:
    return f"U+{ord(c):04X}"


class EncodingError(RecordRule):
    """Text damaged by a wrong encoding: replacement characters, mojibake, control and
    invisible characters, decomposed Unicode.

    ## What it does
    Looks at every text field of every turn for:

    * ``U+FFFD`` replacement characters (bytes that could not be decoded);
    * mojibake, UTF-8 read as cp1252 or Latin-1 (``cafÃ©``, ``Itâ€™s``, ``25Â°C``,
      ``ðŸ˜€``): a byte-pattern match confirmed by ``ftfy``'s badness check;
    * C0 and C1 control characters other than tab, newline and carriage return;
    * zero-width and bidirectional control characters (zero-width space, word joiner, byte
      order mark, direction marks, embeddings, overrides and isolates).  A zero-width
      joiner or non-joiner between two non-ASCII characters (emoji sequences such as the
      family emoji, Indic conjuncts, Persian words) is legitimate, and so are direction
      marks, embeddings and isolates in text that contains right-to-left script; overrides
      are always reported;
    * decomposed text: characters stored as a base letter plus combining marks where NFC has
      one precomposed character (``e`` + ``U+0301`` instead of ``é``).  Text whose only
      difference from NFC is the order of combining marks (common in vocalised Arabic and
      Hebrew) is left alone.

    Mojibake and replacement characters in a conversation that talks about encodings (one of
    its turns mentions UTF-8, Unicode, charset…) are not reported: they are likely its
    subject.
    One finding per text field, naming each kind of damage with its first example.

    ## Why it hurts fine-tuning
    The model learns to produce the damage: answers with ``â€™`` for apostrophes, invisible
    characters that split words into odd tokens, a ``U+FFFD`` where a character was lost.
    Decomposed and precomposed spellings of the same word tokenize differently, so the model
    sees two words where there is one.

    ## Example
    ```
    {"instruction": "Describe the café.", "output": "The cafÃ© is open until 10 pm."}
    ```

    ## How to fix
    Repair the text at the source (decode as UTF-8); ``ftfy.fix_text`` repairs most mojibake.
    Strip control and invisible characters, and normalize to NFC
    (``unicodedata.normalize("NFC", text)``).

    ## Options
    None.
    """

    code = "C005"
    name = "encoding-error"
    summary = "mojibake, replacement, control or invisible characters, decomposed text"
    severity = "warning"

    def candidates(self, batch):
        # not a gate declaration: the test is for a class of characters (anything outside
        # printable ASCII), not for given strings.  The whole batch at once: its symbols
        # hold nothing but printable ASCII, tab, newline and carriage return, and the
        # separators
        joined = batch.symbols_text
        if joined is not None and not joined.translate(None, _ASCII_OK_OR_SEP):
            return ()
        return [r for r, sym in zip(batch.records, batch.symbols)
                if sym.translate(None, _ASCII_OK)]

    def check(self, record):
        # fast path: the whole record at once; clean ASCII text has no byte outside the
        # printable range but tab, newline and carriage return (its letters and spaces are
        # already gone from ``symbols``)
        if not record.symbols.translate(None, _ASCII_OK):
            return ()
        out = []
        for t in record.all_turns():
            for sp in (t.spans if t.spans is not None else
                       ((Span(t.field, t.text),) if t.text is not None else ())):
                s = sp.text
                if s.isascii() and not s.encode().translate(None, _ASCII_OK):
                    continue
                f = self._check_text(record, sp.field, s)
                if f is not None:
                    out.append(f)
        return out

    def _check_text(self, record, field, s):
        problems = describe(s, lambda: _about_encoding(record))
        if not problems:
            return None
        kinds = [k for k, _ in problems]
        return self.finding(record, "; ".join(m for _, m in problems), field=field,
                            data={"kinds": kinds})


def _about_encoding(record) -> bool:
    """Whether any turn of the record talks about encodings."""
    return any(t.text is not None and _ABOUT_ENCODING.search(t.text) is not None
               for t in record.all_turns())


def describe(s: str, about_encoding=None) -> list[tuple[str, str]]:
    """(kind, message) for each kind of damage found in ``s``; empty when the text is clean.

    ``about_encoding`` is a callable telling whether the surrounding conversation talks about
    encodings (default: whether ``s`` itself does)."""
    found: dict[str, str] = {}
    counts: dict[str, int] = {}
    if s.isascii():
        for m in _ASCII_BAD.finditer(s):
            counts["control"] = counts.get("control", 0) + 1
            found.setdefault("control", _cp(m.group()))
    else:
        moji_at: set[int] = set()
        # mojibake: a Latin-1 lead (U+00C2-U+00F4, UTF-8 C3 82..C3 B4) followed by a character
        # whose UTF-8 starts with C2, C5, C6, CB or E2; a byte search with a literal prefix is
        # fast, the character regex only runs when it hits
        if _MOJI_BYTES.search(s.encode("utf-8", "surrogatepass")) is not None:
            for m in _MOJIBAKE_RUN.finditer(s):
                counts["mojibake"] = counts.get("mojibake", 0) + 1
                found.setdefault("mojibake", m.group())
                moji_at.update(range(m.start(), m.end()))
        if _has_special(s):
            rtl = None
            n = len(s)
            for m in _CHARS.finditer(s):
                i = m.start()
                if i in moji_at:
                    continue  # a C1 character of a Latin-1 mojibake
                c = m.group()
                if c == "\ufffd":
                    kind = "replacement"
                elif c in _ZERO_WIDTH_JOINERS:
                    before = s[i - 1] if i > 0 else " "
                    after = s[i + 1] if i + 1 < n else " "
                    if (not before.isascii() and not after.isascii() and not before.isspace()
                            and not after.isspace() and before not in _INVISIBLE
                            and after not in _INVISIBLE):
                        continue
                    kind = "invisible"
                elif c in _BIDI:
                    if rtl is None:
                        rtl = _RTL.search(s) is not None
                    if rtl:
                        continue
                    kind = "invisible"
                elif c in _INVISIBLE:
                    kind = "invisible"
                else:
                    kind = "control"
                counts[kind] = counts.get(kind, 0) + 1
                if kind not in found:
                    found[kind] = _cp(c) + (f" ({_NAMES[c]})" if c in _NAMES else "")
        if ("mojibake" in found or "replacement" in found) and (
                about_encoding() if about_encoding is not None
                else _ABOUT_ENCODING.search(s) is not None):
            found.pop("mojibake", None)
            found.pop("replacement", None)
        if "mojibake" in found:
            from ftfy.badness import is_bad

            if not is_bad(s):
                del found["mojibake"]
        if not unicodedata.is_normalized("NFC", s):
            nfc = unicodedata.normalize("NFC", s)
            if len(nfc) < len(s):
                found["decomposed"] = _first_decomposed(s)
                counts["decomposed"] = len(s) - len(nfc)
    out = []
    for kind in ("mojibake", "replacement", "control", "invisible", "decomposed"):
        if kind not in found:
            continue
        ex, k = found[kind], counts.get(kind, 1)
        more = f" ({k:,} in all)" if k > 1 else ""
        if kind == "mojibake":
            from ftfy import fix_text

            out.append((kind, f"mojibake {ex!r} (UTF-8 decoded as cp1252/Latin-1; "
                              f"probably {fix_text(ex)!r}){more}"))
        elif kind == "replacement":
            out.append((kind, f"U+FFFD replacement character, a character lost in decoding{more}"))
        elif kind == "control":
            out.append((kind, f"control character {ex}{more}"))
        elif kind == "invisible":
            out.append((kind, f"invisible character {ex}{more}"))
        else:
            out.append((kind, f"text is not NFC: {ex}"))
    return out


def _first_decomposed(s: str) -> str:
    for i, c in enumerate(s):
        if i and unicodedata.combining(c):
            base = s[i - 1]
            if len(unicodedata.normalize("NFC", base + c)) == 1:
                return (f"{base!r} + {_cp(c)} should be the single character "
                        f"{unicodedata.normalize('NFC', base + c)!r}")
    return "decomposed characters where NFC has precomposed ones"
