import re

from ..packs import PackRuleMixin
from ...io.record import symbols_of
from ...rule import RecordRule

# Candidate finders for the built-in pack.  Each starts with a literal character so the regex
# engine jumps from one occurrence of it to the next; the full pattern scan then runs only on
# a window of text around each candidate, never on a whole clean text.
_DASH = re.compile(r"-(?:(?<=sk-)|(?<=xox[abprse]-)|----BEGIN)")
_UNDERSCORE = re.compile(r"_(?:(?<=hf_)|(?<=gh[pousr]_)|pat_|live_|secret_access_key|"
                         r"SECRET_ACCESS_KEY)")
_CAPITAL_A = re.compile(r"A(?:KIA|SIA|Iza)")
_NUMBER = re.compile(r"[0-9](?:[0-9]{2}[ .)-]{1,2}[0-9]{3}|[0-9]{3}[ -]?[0-9]{4}|"
                     r"[0-9]{2}-[0-9]{2}-[0-9]{4})")
_NUMBER_MAX = 11  # the longest match of _NUMBER
_PLUS = re.compile(r"\+[0-9]")
_DIGITS = b"0123456789"
# ASCII digits to "0", every other byte to "x"
_DIGITS_AS_ZERO = bytes(48 if 48 <= b <= 57 else 120 for b in range(256))

_PLACEHOLDER = re.compile(r"example|sample|dummy|fake|placeholder|your|redacted|xxxx|\.\.\.|…|"
                          r"0123456|123456789|abcdef|test", re.I)
_FILE_TLDS = frozenset(("png", "jpg", "jpeg", "gif", "svg", "webp", "js", "ts", "py", "css",
                        "html", "json", "txt", "md", "zip", "tar", "gz", "pdf"))
_NOT_PERSONAL = frozenset(("git", "noreply", "no-reply", "donotreply", "do-not-reply", "user",
                           "username", "name", "email", "mail", "me", "you", "someone",
                           "somebody", "john.doe", "jane.doe", "johndoe", "janedoe",
                           "firstname.lastname", "first.last", "foo", "bar", "abc"))
_FAKE_EMAIL = re.compile(r"example|sample|dummy|fake|placeholder|your|address|my_|test", re.I)


def _digit_count(symbols: bytes) -> int:
    """The ASCII digits in a text, counted in C in its symbols (see ``symbols_of``)."""
    return len(symbols) - len(symbols.translate(None, _DIGITS))


# A match of _NUMBER holds nothing but ASCII digits and " .)-": in a text's symbols (its
# ASCII letters and spaces deleted, see ``symbols_of``) it leaves a run of digits and ".)-";
# a match of _PLUS leaves a "+" and a digit.  Symbols are searched for either with each digit
# made "0", each of ".)-" an "s", "+" a "p" and any other byte but the NUL separator an "x":
# a search with literal starts, several times faster than one for classes of characters.
# Letters deleted between two numbers may join them into a false run: a superset.
_SYMBOL_CLASSES = bytes(0x30 if 0x30 <= b <= 0x39 else 0x73 if b in b".)-" else
                        0x70 if b == 0x2B else 0 if b == 0 else 0x78 for b in range(256))
_NUMBER_IN_SYMBOLS = re.compile(rb"000(?:s{0,2}000|s00s0000)|p0")


def _number_like(symbols: bytes) -> bool:
    """Whether a text may hold a match of ``_NUMBER`` or ``_PLUS``, asked of its symbols."""
    return _NUMBER_IN_SYMBOLS.search(symbols.translate(_SYMBOL_CLASSES)) is not None


# What every candidate of _windows that is not a number starts from: an "@", or what
# _DASH, _UNDERSCORE and _CAPITAL_A find, and the Slack webhook host.
_KEY_NEEDLES = (
    "@",
    "sk-", "xoxa-", "xoxb-", "xoxp-", "xoxr-", "xoxs-", "xoxe-", "-----BEGIN",  # _DASH
    "hf_", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "_pat_", "_live_",  # _UNDERSCORE
    "_secret_access_key", "_SECRET_ACCESS_KEY",
    "AKIA", "ASIA", "AIza", "eyJ", "hooks.slack",
)


def _digit_map(text: str) -> bytes | None:
    """An ASCII text with each digit as "0" and every other character as "x" (None for
    other texts)."""
    return text.encode("ascii").translate(_DIGITS_AS_ZERO) if text.isascii() else None


def _number_starts(text: str, mapped: bytes | None):
    """The start of each match of ``_NUMBER.finditer(text)``, in order, given
    ``_digit_map(text)``.  In ASCII text a match can only start at three digits in a row,
    which a byte search finds; the regex then runs only from there to a little past the end
    of those digits (no match is longer than ``_NUMBER_MAX`` characters)."""
    if mapped is None:
        for m in _NUMBER.finditer(text):
            yield m.start()
        return
    find = mapped.find
    search = _NUMBER.search
    n = len(text)
    pos = 0
    while True:
        i = find(b"000", pos)
        if i < 0:
            return
        end = find(b"x", i)  # the end of this run of digits
        if end < 0:
            end = n
        m = search(text, i, end + _NUMBER_MAX)
        if m is not None and m.start() < end:
            yield m.start()
            pos = m.end()
        else:
            pos = end


def _windows(text: str, builtin: bool) -> list[tuple[int, int]] | None:
    """Spans of text to scan: around each candidate (built-in pack), or the whole text."""
    if not builtin:
        return [(0, len(text))]
    cands: list[tuple[int, int]] = []  # (position, reach after it)
    if "@" in text:
        i = text.find("@")
        while i >= 0 and len(cands) < 50:
            cands.append((i - 70, 260))
            i = text.find("@", i + 1)
    if "-" in text:
        for m in _DASH.finditer(text):
            cands.append((m.start() - 10, 4000 if m.group() != "-" else 400))
    if "_" in text:
        for m in _UNDERSCORE.finditer(text):
            cands.append((m.start() - 30, 400))
    if "AKIA" in text or "ASIA" in text or "AIza" in text:
        for m in _CAPITAL_A.finditer(text):
            cands.append((m.start(), 100))
    if "J" in text and "eyJ" in text:
        i = text.find("eyJ")
        cands.append((i, 4000))
    if "hooks.slack" in text:
        cands.append((text.find("hooks.slack") - 10, 200))
    # numbers: cards, SSNs and phones have at least seven digits, or six after a "+"
    mapped = _digit_map(text)
    digits = mapped.count(b"0") if mapped is not None else _digit_count(symbols_of(text))
    if digits >= 7:
        for start in _number_starts(text, mapped):
            cands.append((start - 30, 60))
            if len(cands) > 200:
                break
    if digits >= 6 and "+" in text:
        for m in _PLUS.finditer(text):
            cands.append((m.start() - 5, 40))
    if not cands:
        return None
    spans = []
    size = len(text)
    for pos, reach in sorted(cands):
        a = max(0, pos)
        if a:  # start at a word boundary so look-behinds see what they would in the text
            a = max(text.rfind(" ", 0, a), text.rfind("\n", 0, a)) + 1
        b = min(size, pos + reach) if pos >= 0 else min(size, reach)
        e = min(x for x in (text.find(" ", b), text.find("\n", b), size) if x >= 0)
        if spans and a <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], e))
        else:
            spans.append((a, e))
    return spans


def mask(kind: str, value: str) -> str:
    """A value with most of it hidden, so reports never repeat a secret or personal datum."""
    v = value.strip()
    if kind == "secret-private-key":
        return v.split("-----", 2)[1].join(("-----", "-----")) + " block"
    if kind == "personal-email":
        local, _, domain = v.rpartition("@")
        return f"{local[:1]}…@{domain}"
    if kind in ("secret-card-number", "personal-ssn", "personal-phone"):
        digits = re.sub(r"\D", "", v)
        return f"…{digits[-4:]}" if kind == "secret-card-number" else f"…{digits[-2:]}"
    if len(v) <= 8:
        return v[:2] + "…"
    return f"{v[:4]}…{v[-2:]}"


def _skip(pid: str, value: str) -> bool:
    """Obvious placeholders and matches that are not personal data."""
    if pid.startswith("secret-") and pid not in ("secret-card-number", "secret-private-key"):
        body = value[4:]
        if _PLACEHOLDER.search(value) or len(set(body)) < 8:
            return True
    if pid == "personal-email":
        local, _, domain = value.rpartition("@")
        if local.lower() in _NOT_PERSONAL or domain.rsplit(".", 1)[-1].lower() in _FILE_TLDS \
                or _FAKE_EMAIL.search(value):
            return True
    return False


class Pii(PackRuleMixin, RecordRule):
    """Personal data or a secret in the text: e-mail addresses, phone numbers, card numbers,
    API keys, tokens and private keys.

    ## What it does
    Scans every turn with the pattern pack ``packs/pii.toml``, whose pattern ids start with
    their category:

    * ``secret-…`` (severity **error**): OpenAI ``sk-…`` keys, AWS ``AKIA…`` access keys and
      secret keys, GitHub ``ghp_…``/``github_pat_…`` tokens, Slack ``xox…`` tokens and
      webhooks, Google ``AIza…`` keys, Hugging Face ``hf_…`` tokens, Stripe ``sk_live_…``
      keys, JSON Web Tokens, private key blocks, and payment card numbers (issuer prefix and
      Luhn checksum);
    * ``personal-…`` (severity warning): e-mail addresses, phone numbers (with a ``+``
      country code, or North American ``(415) 555-2671``/``415-555-2671``/``415.555.2671``)
      and labelled US social security numbers.

    Messages mask what was found (``sk-p…f3``, ``j…@gmail.com``, card ``…4242``): the report
    must not spread the secret further.  One finding per field and severity names the first
    item and how many more there are.

    Left alone: addresses at example domains (``example.com``, ``test``, ``yourcompany``…)
    and ``git@github.com``-style addresses, file names like ``icon@2x.png``, fictional 555
    numbers and numbers with two digits or a ``1234567`` run, version numbers, dates, ISBNs
    and arithmetic (they do not have a phone number's shape), the well-known test card numbers
    (``4111 1111 1111 1111``, ``4242…``), and placeholder keys (``sk-...``,
    ``sk-xxxxxxxxxxxxxxxxxxxx``, ``YOUR_API_KEY``, AWS's documented ``AKIAIOSFODNN7EXAMPLE``,
    anything with "example", "your", "dummy", "test" or too few distinct characters).
    Numbers are read in the digits 0-9 only (not, say, Arabic-Indic or full-width digits).

    ## Why it hurts fine-tuning
    Models memorise rare strings seen in training and can repeat them to anyone: a key or a
    card number in the data is a leaked credential; personal data in it is a privacy (and
    often legal) problem for the people it names.

    ## Example
    ```
    {"messages": [{"role": "user", "content": "Why does my call fail?"},
                  {"role": "assistant", "content": "Your key sk-proj-4fT9… is revoked."}]}
    ```

    ## How to fix
    Remove or replace the values with realistic fakes (``user@example.com``,
    ``555-0100``) before training; revoke any real secret that reached the data.  Add
    patterns for your own identifiers (customer ids…) with a pack file.

    ## Options
    None.
    """

    code = "P001"
    name = "pii"
    summary = "personal data or a secret (e-mail, phone, card number, API key) in the text"
    severity = "warning"

    # no turn-level needle test: the number patterns' needles (digits, "+", "-", ".") are in
    # nearly every text, and _windows makes its own tests on each span before any regex
    turn_gate = False

    def candidates(self, batch):
        # not a ``pack_gate``: the needles of the number patterns (cards, phones) are digits
        # and punctuation, in nearly every record.  For the built-in pack, the records that
        # hold what a candidate of _windows starts from: a number-like run (searched in the
        # whole batch's symbols) or one of _KEY_NEEDLES; for another pack, its needles.
        if self.ps.regex is None:
            return ()
        if not self.builtin:
            needles = self.ps.needles
            return batch.records if needles is None else batch.having(*needles)
        found = batch.indices_matching_symbols(_NUMBER_IN_SYMBOLS, _SYMBOL_CLASSES)
        found.update(batch.indices_having(*_KEY_NEEDLES))
        records = batch.records
        return [records[i] for i in sorted(found)]

    def check_span(self, record, turn, field, text):
        found = self._scan(text, turn.role, field, self.builtin)
        return self._findings(record, field, found) if found else None

    def _scan(self, text, role, field, builtin):
        spans = _windows(text, builtin)
        if not spans:
            return None
        seen = set()
        found = []
        for a, b in spans:
            window = text[a:b]
            for p, m in self.ps.scan(window, role, field):
                start = a + m.start()
                if start in seen:
                    continue
                seen.add(start)
                value = m.group()
                if _skip(p.id, value):
                    continue
                found.append((p, value))
        return found

    def _findings(self, record, field, found):
        by_level: dict[str, list] = {}
        for p, value in found:
            by_level.setdefault(p.severity or self.severity, []).append((p, value))
        for level in ("error", "warning", "info"):
            items = by_level.get(level)
            if not items:
                continue
            p, value = items[0]
            msg = f"{p.description} \"{mask(p.id, value)}\" in the text"
            if len(items) > 1:
                kinds = sorted({q.description for q, _ in items[1:]})
                msg += f", and {len(items) - 1} more ({', '.join(kinds)})"
            yield self.finding(record, msg, field=field, severity=p.severity,
                               data={"kinds": sorted({q.id for q, _ in items}),
                                     "count": len(items)})
