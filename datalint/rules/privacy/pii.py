import re

from ..packs import PackRuleMixin
from ...io.record import symbols_of
from ...rule import RecordRule
from .values import personal_email

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
_FAKE_EMAIL = re.compile(r"example|sample|dummy|fake|placeholder|your|address|my_|test|xxx",
                         re.I)

# The kinds of personal datum a task can be about (to extract, validate, mask… it).
_TASK_KINDS = frozenset(("personal-email", "personal-phone", "personal-ssn",
                         "secret-card-number"))
# A kind of personal datum named as such ("phone number", "e-mail address", "card number")
_KIND = (r"(?:(?:(?:tele)?phone|mobile|cell ?phone|contact|card|account) numbers?|phone ?book|"
         r"e-?mail (?:address(?:es)?|ids?)|(?:credit|debit|payment) cards?|"
         r"contact (?:details|information|info|data|entry|entries|list|records?|cards?)|"
         r"ssns?|social security numbers?|ibans?|pii|"
         r"(?:personal|sensitive) (?:data|information|info|details))")
# "e-mails", or "e-mail" as a field: the singular alone is mostly a message ("reply to the e-mail")
_LOOSE_KIND = r"(?:e-?mails|e-?mail (?:fields?|columns?|formats?|patterns?|strings?|inputs?))"
# what a task does to such a datum, as opposed to using it: process it as a string…
_PROCESS = (r"(?:regexp?s?|regexes|regular[ -]expressions?|valid(?:ate[sd]?|ating|ation|ator|"
            r"ity)?|invalid|pars(?:e[sdr]?|ers|ing)|extract\w*|mask\w*|redact\w*|"
            r"anonymi[sz]\w*|de-?identif\w*|pseudonymi[sz]\w*|obfuscat\w*|normali[sz]\w*|"
            r"re-?format\w*|format(?:s|ted|ting)?|match(?:es|ed|ing)?|detect\w*|luhn|"
            r"checksums?|censor\w*|scrub\w*|saniti[sz]\w*|find all|list all|pull out)")
# …store it as data (in a table, a bare "email" or "phone" is a field's name)…
_TABLE = r"(?:databases?|tables?|sql|json|csv|xml|spreadsheets?|columns?)"
_STORE = rf"(?:{_TABLE}|insert\w*|stor(?:e[sd]?|ing)|sav(?:e[sd]?|ing))"
# …or make one up
_MAKE = r"(?:generat\w*|random\w*|creat(?:e[sd]?|ing)|hypothetical|fictional|fake|dummy)"


def _near(a: str, b: str) -> str:
    """``a`` and ``b`` in one sentence, in either order, at most 80 characters apart."""
    return rf"\b{a}\b[^.?!\n]{{0,80}}?\b{b}\b|\b{b}\b[^.?!\n]{{0,80}}?\b{a}\b"


_TASK_CUE = re.compile("|".join((
    _near(f"(?:{_PROCESS}|{_STORE}|{_MAKE})", _KIND),
    _near(f"(?:{_PROCESS}|{_STORE})", _LOOSE_KIND), _near(_TABLE, r"(?:e-?mail|phone)"),
    r"\baddress ?book\b")), re.I)
# the writer's own datum: "add a card to my account", "validate my e-mail"
_FIRST_PERSON = re.compile(r"\b(?:my|our|mine|ours)\b", re.I)
_SENTENCE_END = re.compile(r"[.?!:\n]")

# An organisation's number: a word naming one (or a line it runs) near the number, on its line
_ORGANISATION = re.compile(
    r"\b(?:help ?lines?|hot ?lines?|switchboard|customer (?:service|care|support|relations)|"
    r"support (?:line|team|desk|cent(?:er|re))|service desk|help ?desk|call cent(?:er|re)s?|"
    r"reception|front desk|(?:head|main|box|ticket|press|tourist|post|sales) office|"
    r"headquarters|hq|toll[- ]?free|freephone|main (?:line|number)|fax|embassy|consulate|"
    r"hospital|clinic|pharmacy|police|fire (?:department|station)|ambulance|emergency|poison|"
    r"crisis|lifeline|samaritans|reservations?|booking (?:line|office)|enquiries|inquiries|"
    r"council|ministry|department|agency|bureau|inc|ltd|llc|plc|gmbh|corp(?:oration)?|"
    r"company|bank|airlines?|airport|hotel|restaurant|museum|library|university|college)\b",
    re.I)
_PERSONAL_CUE = re.compile(r"\b(?:my|me|mine|his|her|cell|mobile|personal|private|home)\b",
                           re.I)


def _organisation_number(text: str, start: int, end: int) -> bool:
    """Whether the number at ``text[start:end]`` is given as an organisation's: a word naming
    one on its line, up to 60 characters before it or 30 after, and no word making it a
    person's ("my", "mobile", "home"…)."""
    a = max(text.rfind("\n", 0, start) + 1, start - 60)
    b = text.find("\n", end, end + 30)
    around = text[a:start] + " " + text[end:b if b >= 0 else end + 30]
    return _ORGANISATION.search(around) is not None and _PERSONAL_CUE.search(around) is None


def _task_statement(record) -> str:
    """What a record asks for: its first user turn (for a record whose prompt joins an
    instruction and an input, the instruction only).  Not a system prompt: one shared by a
    whole dataset may state a policy ("mask e-mail addresses") over real users' turns."""
    for t in record.turns:
        if t.role == "user":
            spans = t.spans
            return (spans[0].text if spans and len(spans) > 1 else t.text) or ""
    return ""


def about_personal_data(statement: str) -> bool:
    """Whether a task statement is about a kind of personal datum itself — to extract,
    validate, format, mask, generate or store e-mail addresses, phone or card numbers — so
    that the values in the record are the task's material, not someone's data.  Not when the
    sentence speaks of the writer's own ("add a card to my account")."""
    for m in _TASK_CUE.finditer(statement):
        a = max((e.end() for e in _SENTENCE_END.finditer(statement, 0, m.start())), default=0)
        b = _SENTENCE_END.search(statement, m.end())
        if _FIRST_PERSON.search(statement, a, b.start() if b else len(statement)) is None:
            return True
    return False


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
        if domain.rsplit(".", 1)[-1].lower() in _FILE_TLDS or _FAKE_EMAIL.search(value) \
                or not personal_email(value):
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
    must not spread the secret further.  One finding per record names the first item and
    how many more there are; the most severe item found decides its level.

    It reports data that looks like a real person's (or a real secret): a personal-looking
    e-mail address, phone or card number in a prompt or an answer, when the task is not about
    such data itself.

    Left alone:

    * values that cannot be real: addresses at reserved or made-up domains (``example.com``,
      ``.test``, ``.invalid``, ``.localhost``, ``.local``, ``.internal``, ``company.com``,
      ``yourdomain.com``…); North American numbers that break the numbering plan
      (``123-456-7890``: an area code or exchange starting with 0 or 1, an N11 code) and the
      fictional ``555-01xx``; the UK regulator's drama ranges (``+44 7700 900xxx``,
      ``+44 20 7946 0xxx``…) and Australia's; social security numbers never issued
      (``123-45-6789``, ``078-05-1120``, area 000/666/9xx); card numbers that fail the Luhn
      checksum or are published test numbers (``4111 1111 1111 1111``, ``4242…``,
      ``5105 1051 0510 5100``…); one digit repeated or a counting run;
    * stand-ins a writer types: ``xxxx@gmail.com``, ``123@…``, ``abc@…``, ``user123@…``,
      ``john.doe@…``, ``first.last@…``, ``your.name@…``, ``git@github.com``-style
      addresses, file names like ``icon@2x.png``;
    * an organisation's published contact points: role mailboxes (``support@``, ``info@``,
      ``noreply@``, ``offers@``, ``customer.service@``…, after RFC 2142), toll-free and
      premium numbers (800, 888…; UK 080x, 03, 084x, 087x, 09), and a number given as a
      helpline's, switchboard's, hospital's, company's… (a word naming one on its line, and
      none such as "my", "mobile" or "home");
    * the task's material: when the instruction (for a chat, the first user turn) is about
      such data itself — to extract, validate, format, mask, generate or
      store e-mail addresses, phone or card numbers, a contact entry — its e-mail, phone, SSN
      and card values are the subject of the task, not someone's data; not when the sentence
      speaks of the writer's own ("save my new phone number"), and never for keys and tokens;
    * version numbers, dates, ISBNs and arithmetic (they do not have a phone number's shape),
      and placeholder keys (``sk-...``, ``sk-xxxxxxxxxxxxxxxxxxxx``, ``YOUR_API_KEY``, AWS's
      documented ``AKIAIOSFODNN7EXAMPLE``, anything with "example", "your", "dummy", "test"
      or too few distinct characters).

    Numbers are read in the digits 0-9 only (not, say, Arabic-Indic or full-width digits), and
    phone numbers only with a ``+`` country code or in the North American shapes above.

    Measured: on 12 public fine-tuning files, 0 of 5 findings (3 records, all of them) were
    real defects (judged by reading each record: a phone number to extract, an e-mail address
    to validate, a contact entry to create, all left alone now); searched for other phone,
    e-mail and id shapes, the files hold no real-looking personal data it misses.

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

    def setup(self) -> None:
        super().setup()
        self._asked: tuple = (None, False)  # (record, whether its task is about such data)

    def check_span(self, record, turn, field, text):
        found = self._scan(text, turn.role, field, self.builtin)
        if found and any(p.id in _TASK_KINDS for p, _ in found):
            if self._asked[0] is not record:
                self._asked = (record, about_personal_data(_task_statement(record)))
            if self._asked[1]:  # the values are the task's material
                found = [(p, v) for p, v in found if p.id not in _TASK_KINDS]
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
                if _skip(p.id, value) or p.id == "personal-phone" and _organisation_number(
                        text, start, a + m.end()):
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
