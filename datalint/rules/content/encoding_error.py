import html.entities
from bisect import bisect_right
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

# HTML character references left in plain text: "&quot;Pure&quot; water", "R&amp;B", "&#39;".
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
# the same in a text's symbols (ASCII letters and spaces deleted): "&;", "&#39;", "&2;"
_ENTITY_SYMBOLS = re.compile(rb"&#?[0-9]*;")
_ENTITY_NAMES = frozenset(html.entities.name2codepoint) | {"apos"}
# what HTML escaping writes; never a variable's name after a C-style address-of "&"
_ESCAPES = frozenset({"amp", "quot", "apos", "lt", "gt", "nbsp"})
# signs that a text is markup, where entities belong: a closing tag, a tag with an attribute,
# a self-closing tag, a comment, a doctype or an XML declaration ("<MASK>" alone is not one)
_MARKUP = re.compile(r"</[A-Za-z][\w:.-]*\s*>|<[A-Za-z][\w:-]*\s+[\w:-]+\s*=|"
                     r"<[A-Za-z][\w:-]*\s*/>|<!--|<!DOCTYPE|<\?xml", re.I)
_CODE_SPANS = re.compile(r"```.*?(?:```|\Z)|~~~.*?(?:~~~|\Z)|`[^`\n]+`", re.S)
# a conversation about markup or escaping, where an entity can be the subject
_ABOUT_MARKUP = re.compile(r"\b(?:x?html\d?|xml|svg|sgml|markup|entit(?:y|ies)|(?:un)?escap\w*|"
                           r"sanitiz\w*|htmlspecialchars|ampersands?|web ?pages?|browsers?)\b",
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
    invisible characters, decomposed Unicode, HTML entities in plain text.

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
      Hebrew) is left alone;
    * HTML character references in plain text, text that was HTML-escaped once too often
      (``&quot;Pure&quot; water``, ``R&amp;B``, ``It&#39;s``, ``&lt;``, ``&nbsp;``,
      ``caf&eacute;``): the named references HTML defines and numeric ones.  Left alone:
      a text that is markup (a closing tag, a tag with an attribute, a self-closing tag, a
      comment or doctype: ``<MASK>`` alone is not markup), an entity inside a code span or
      fence, a conversation about HTML, XML, entities, escaping or encodings (where the
      entity is the subject), and a name other than what escaping writes (``amp``,
      ``quot``, ``apos``, ``lt``, ``gt``, ``nbsp``) after ``=``, ``(``, ``[``, ``,`` or
      ``return``, where C takes an address (``p = &pi;``).  ``AT&T;`` and ``Q&A;`` name no
      reference.

    Mojibake and replacement characters in a conversation that talks about encodings (one of
    its turns mentions UTF-8, Unicode, charset…) are not reported: they are likely its
    subject.
    One finding per record, naming each kind of damage with its first example (and the
    other fields that show it).

    Measured for HTML entities: on 12 public fine-tuning files, 2 records show one: a real
    defect (``R&amp;B`` in a preference set's prompt and chosen answer) and an arguable one
    (an ``&nbsp;`` in a rejected answer, the side the pair trains against), judged by
    reading the records; the one look-alike there, an HTML page with ``&copy;``, stays
    quiet.

    ## Why it hurts fine-tuning
    The model learns to produce the damage: answers with ``â€™`` for apostrophes, invisible
    characters that split words into odd tokens, a ``U+FFFD`` where a character was lost,
    ``&quot;`` where a quotation mark belongs.
    Decomposed and precomposed spellings of the same word tokenize differently, so the model
    sees two words where there is one.

    ## Example
    ```
    {"instruction": "Describe the café.", "output": "The cafÃ© is open until 10 pm."}
    ```

    ## How to fix
    Repair the text at the source (decode as UTF-8); ``ftfy.fix_text`` repairs most mojibake.
    Strip control and invisible characters, and normalize to NFC
    (``unicodedata.normalize("NFC", text)``).  Unescape HTML-escaped text with
    ``html.unescape``.

    ## Options
    None.
    """

    code = "C005"
    name = "encoding-error"
    summary = ("mojibake, replacement, control or invisible characters, decomposed text, "
               "HTML entities")
    severity = "warning"

    def candidates(self, batch):
        # not a gate declaration: the test is for a class of characters (anything outside
        # printable ASCII), not for given strings, or for the shape of an HTML entity in the
        # symbols ("&;", "&#39;").  The whole batch at once: its symbols hold nothing but
        # printable ASCII, tab, newline and carriage return, and the separators, and no
        # entity shape
        joined = batch.symbols_text
        if joined is not None and not joined.translate(None, _ASCII_OK_OR_SEP) and \
                _ENTITY_SYMBOLS.search(joined) is None:
            return ()
        return [r for r, sym in zip(batch.records, batch.symbols) if _may_hold(sym)]

    def check(self, record):
        # fast path: the whole record at once; clean ASCII text has no byte outside the
        # printable range but tab, newline and carriage return (its letters and spaces are
        # already gone from ``symbols``), and no entity shape
        if not _may_hold(record.symbols):
            return ()
        out = []
        for t in record.all_turns():
            for sp in (t.spans if t.spans is not None else
                       ((Span(t.field, t.text),) if t.text is not None else ())):
                s = sp.text
                if s.isascii() and "&" not in s and not s.encode().translate(None, _ASCII_OK):
                    continue
                f = self._check_text(record, sp.field, s)
                if f is not None:
                    out.append(f)
        return out

    def _check_text(self, record, field, s):
        problems = describe(s, lambda: _about_encoding(record), lambda: _about_markup(record))
        if not problems:
            return None
        kinds = [k for k, _ in problems]
        return self.finding(record, "; ".join(m for _, m in problems), field=field,
                            data={"kinds": kinds})


def _may_hold(symbols: bytes) -> bool:
    """Whether a text with these symbols may hold damage: a byte outside printable ASCII
    (but tab, newline, carriage return), or the shape of an HTML entity."""
    return bool(symbols.translate(None, _ASCII_OK)) or (
        b"&" in symbols and _ENTITY_SYMBOLS.search(symbols) is not None)


def _about_encoding(record) -> bool:
    """Whether any turn of the record talks about encodings."""
    return any(t.text is not None and _ABOUT_ENCODING.search(t.text) is not None
               for t in record.all_turns())


def _about_markup(record) -> bool:
    """Whether any turn of the record talks about markup, escaping or encodings."""
    return any(t.text is not None and (_ABOUT_MARKUP.search(t.text) is not None
                                       or _ABOUT_ENCODING.search(t.text) is not None)
               for t in record.all_turns())


def _address_of(s: str, i: int) -> bool:
    """Whether the ``&`` at ``i`` reads as C's address-of: after ``=``, ``(``, ``[``, ``,``
    or ``return`` (``p = &pi;``)."""
    j = i - 1
    while j >= 0 and s[j] in " \t":
        j -= 1
    return j >= 0 and (s[j] in "=([," or s.endswith("return", 0, j + 1))


def html_entities(s: str) -> list[str]:
    """The HTML character references in ``s`` that are escaping damage: named ones HTML
    defines and numeric ones, outside markup (a text with real tags) and code spans; a name
    other than what escaping writes is left alone where C would take an address."""
    if "&" not in s or ";" not in s or _MARKUP.search(s) is not None:
        return []
    out = []
    spans = None
    for m in _ENTITY.finditer(s):
        body = m.group()[1:-1]
        if body[0] == "#":
            cp = int(body[2:], 16) if body[1] in "xX" else int(body[1:])
            if not 0 < cp <= 0x10FFFF:
                continue
        elif body not in _ENTITY_NAMES or (body not in _ESCAPES and _address_of(s, m.start())):
            continue
        if "`" in s or "~~~" in s:
            if spans is None:  # in text order, not overlapping: found by bisection
                spans = [c.span() for c in _CODE_SPANS.finditer(s)]
                starts = [a for a, _ in spans]
            k = bisect_right(starts, m.start()) - 1
            if k >= 0 and m.start() < spans[k][1]:
                continue
        out.append(m.group())
    return out


def describe(s: str, about_encoding=None, about_markup=None) -> list[tuple[str, str]]:
    """(kind, message) for each kind of damage found in ``s``; empty when the text is clean.

    ``about_encoding`` is a callable telling whether the surrounding conversation talks about
    encodings (default: whether ``s`` itself does), ``about_markup`` whether it talks about
    markup, escaping or encodings (default: whether ``s`` does)."""
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
    if "&" in s:
        entities = html_entities(s)
        if entities and not (about_markup() if about_markup is not None else
                             _ABOUT_MARKUP.search(s) is not None
                             or _ABOUT_ENCODING.search(s) is not None):
            found["html-entity"] = entities[0]
            counts["html-entity"] = len(entities)
    out = []
    for kind in ("mojibake", "replacement", "control", "invisible", "decomposed", "html-entity"):
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
        elif kind == "decomposed":
            out.append((kind, f"text is not NFC: {ex}"))
        else:
            out.append((kind, f"HTML entity {ex!r} (HTML-escaped text; probably "
                              f"{html.unescape(ex)!r}){more}"))
    return out


def _first_decomposed(s: str) -> str:
    for i, c in enumerate(s):
        if i and unicodedata.combining(c):
            base = s[i - 1]
            if len(unicodedata.normalize("NFC", base + c)) == 1:
                return (f"{base!r} + {_cp(c)} should be the single character "
                        f"{unicodedata.normalize('NFC', base + c)!r}")
    return "decomposed characters where NFC has precomposed ones"
