"""Whether a value the pii pack matched looks like a real person's datum.

A match of an e-mail or phone pattern is only the shape of one.  What is left out here:

* values that cannot be real: reserved example domains and top-level domains (RFC 2606,
  RFC 6761, the names never delegated), North American numbers that break the numbering
  plan (an area code or exchange starting with 0 or 1, an N11 service code), published
  fictional ranges (US 555-0100 to 555-0199, the UK regulator's drama ranges, Australia's),
  social security numbers that are never issued, one digit repeated or a counting run;
* dummies a writer types: ``xxxx@…``, ``123@…``, ``abc@…``, ``user@…``, ``john.doe@…``;
* an organisation's contact points, which are published to be used: role mailboxes
  (``support@``, ``info@``, ``noreply@``… after RFC 2142's list), toll-free and
  non-geographic numbers (800, 888…; UK 080x, 03, 084x, 087x).
"""

from __future__ import annotations

import re

# -- e-mail ----------------------------------------------------------------------------------

# labels that name no real organisation in a made-up address ("name@company.com")
_RESERVED_LABELS = frozenset((
    "example", "test", "invalid", "localhost", "domain", "email", "yourdomain", "mydomain",
    "somedomain", "company", "mycompany", "yourcompany", "acme", "xyz", "abc", "sample",
    "website", "mywebsite", "yourwebsite", "mysite", "yoursite", "somewhere", "foo", "bar",
    "foobar", "fake", "dummy", "placeholder", "organization", "organisation", "yourorg",
    "myorg", "emailprovider", "provider", "yourprovider", "yourschool", "yourbusiness"))
# top-level names reserved for tests, documentation and private networks (never delegated)
_RESERVED_TLDS = frozenset(("test", "example", "invalid", "localhost", "local", "internal",
                            "lan", "home", "corp", "localdomain", "intranet", "private"))

# role mailboxes: RFC 2142's list and the ones organisations publish on every contact page
_ROLE_WORDS = frozenset((
    "info", "information", "marketing", "sales", "support", "abuse", "noc", "security",
    "postmaster", "hostmaster", "usenet", "news", "webmaster", "www", "uucp", "ftp",
    "noreply", "no-reply", "donotreply", "do-not-reply", "mailer-daemon", "bounce",
    "bounces", "admin", "administrator", "root", "sysadmin", "contact", "contacts",
    "contactus", "hello", "hi", "help", "helpdesk", "service", "services", "customer",
    "customers", "customerservice", "customercare", "care", "enquiries", "inquiries",
    "enquiry", "inquiry", "office", "team", "hr", "jobs", "careers", "recruiting",
    "recruitment", "press", "media", "pr", "offers", "offer", "deals", "promo", "promotions",
    "newsletter", "newsletters", "updates", "notifications", "notification", "alerts",
    "billing", "accounts", "accounting", "invoices", "invoice", "payments", "orders",
    "order", "shop", "store", "feedback", "privacy", "legal", "compliance", "partners",
    "events", "reservations", "bookings", "booking", "tickets", "membership", "members",
    "editor", "editors", "editorial", "letters", "tips", "community", "social", "general",
    "reception", "frontdesk", "admissions", "registrar", "dpo", "gdpr", "returns", "refunds",
    "shipping", "delivery", "hiring", "talent", "investors", "ir", "donations", "donate",
    "volunteer", "volunteers", "subscriptions", "subscribe", "unsubscribe", "mail", "email",
    "system", "daemon", "server", "bot", "robot", "automated", "auto", "reply", "notify"))
# what may follow a role word in a role mailbox ("support-team@", "sales.uk@")
_ROLE_QUALIFIERS = frozenset(("team", "dept", "department", "desk", "line", "center",
                              "centre", "group", "us", "uk", "eu", "emea", "apac", "global",
                              "intl", "international", "online", "main", "central", "hq",
                              "and", "the"))
# words a writer puts where an address goes ("your.name@", "first.last@", "boss@")
_STAND_IN_WORDS = frozenset((
    "user", "username", "users", "name", "names", "yourname", "myname", "your", "my",
    "firstname", "lastname", "first", "last", "surname", "fullname", "me", "you", "him",
    "her", "them", "someone", "somebody", "anyone", "anybody", "person", "people", "login",
    "account", "recipient", "sender", "receiver", "to", "from", "friend", "colleague",
    "boss", "manager", "employee", "student", "teacher", "member", "guest", "visitor",
    "client", "demo", "foo", "bar", "baz", "qux", "foobar", "john", "jane", "doe", "johndoe",
    "janedoe", "joe", "bloggs", "blogs", "lorem", "ipsum", "address", "example", "sample",
    "dummy", "fake", "placeholder", "test", "tester", "testing", "git", "abc", "xyz"))
_KEYBOARD_RUNS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_ALPHABET = "abcdefghijklmnopqrstuvwxyz"
_COUNTING = "0123456789"
_WORD_SPLIT = re.compile(r"[._+-]+")


def _counting_run(s: str) -> bool:
    """One character repeated, or three or more in a counting or keyboard run ("xxxx",
    "123", "abcd", "qwerty", "987")."""
    if len(set(s)) == 1:
        return True
    if len(s) < 3:
        return False
    for run in (_ALPHABET, _COUNTING, *_KEYBOARD_RUNS):
        if s in run or s in run[::-1]:
            return True
    return False


def reserved_email_domain(address: str) -> bool:
    """An address at a reserved example domain or top-level domain, or at a made-up one
    (``company.com``, ``yourdomain.com``)."""
    domain = address.rsplit("@", 1)[-1].lower().rstrip(".")
    labels = domain.split(".")
    return (labels[-1] in _RESERVED_TLDS or domain.endswith(".home.arpa")
            or not _RESERVED_LABELS.isdisjoint(labels[:-1]))


def role_mailbox(local: str) -> bool:
    """A local part that names a function of an organisation, not a person (``support``,
    ``customer.service``, ``sales-uk``, ``info2``)."""
    low = local.lower()
    if _WORD_SPLIT.sub("", low).rstrip(_COUNTING) in _ROLE_WORDS:  # "do-not-reply", "info2"
        return True
    words = [_without_counter(w) for w in _WORD_SPLIT.split(low)]
    words = [w for w in words if w]
    return bool(words) and words[0] in _ROLE_WORDS and all(
        w in _ROLE_WORDS or w in _ROLE_QUALIFIERS for w in words)


def _without_counter(word: str) -> str:
    """A word without a counter typed after it ("user123", "name1"); a year or other
    digits stay ("john1985" is someone's address, not a stand-in)."""
    base = word.rstrip(_COUNTING)
    tail = word[len(base):]
    return base if not tail or len(tail) == 1 or _counting_run(tail) else word


def stand_in_mailbox(local: str) -> bool:
    """A local part a writer types for "some address": stand-in words only (``your.name``,
    ``first.last``, ``john.doe``, ``user123``), a counting run or one repeated character
    (``xxxx``, ``123``, ``abc``), or at most four digits (a longer run of digits is a real
    address at some providers)."""
    low = local.lower()
    plain = re.sub(r"[^a-z0-9]", "", low)
    if not plain or _counting_run(plain) or (plain.isdigit() and len(plain) <= 4):
        return True
    words = [_without_counter(w) for w in _WORD_SPLIT.split(low)]
    words = [w for w in words if w]
    # digits only (a QQ number is an address) are judged above
    return bool(words) and all(w in _STAND_IN_WORDS or _counting_run(w) for w in words)


def personal_email(address: str) -> bool:
    """Whether an address may be a person's: not at a reserved or made-up domain, not a role
    mailbox, not a stand-in."""
    local = address.rpartition("@")[0]
    return not (reserved_email_domain(address) or role_mailbox(local)
                or stand_in_mailbox(local))


# -- phone numbers ----------------------------------------------------------------------------

# North American toll-free and premium area codes: businesses' lines
_NANP_NOT_PERSONAL = frozenset(("800", "833", "844", "855", "866", "877", "888", "900"))
# UK national numbers (leading 0): the regulator's ranges for drama, then the number ranges
# organisations use (freephone 080x, non-geographic 03, business rate 084x/087x, premium 09)
_UK_FICTIONAL = ("01134960", "01144960", "01154960", "01164960", "01174960", "01184960",
                 "01214960", "01314960", "01414960", "01514960", "01614960", "02079460",
                 "02896496", "02920180", "01632960", "07700900", "08081570", "09098790",
                 "03069990")
_UK_NOT_PERSONAL = ("080", "03", "084", "087", "09", "0500")
# Australia's numbers for use in drama (landline 02/07/08 5550, 03 7010; mobile 0491 57x)
_AU_FICTIONAL = ("025550", "075550", "085550", "037010", "049157")


def _nanp_real(ten: str) -> bool:
    """A ten-digit North American number that may be a person's: a valid area code and
    exchange (the first digit of each 2-9, no N11 service code, no unassigned 9 in the
    area code's middle), not toll-free or premium, not 555-0100 to 555-0199."""
    area, exchange, line = ten[:3], ten[3:6], ten[6:]
    if area[0] in "01" or exchange[0] in "01" or area[1] == "9":
        return False
    if area[1:] == "11" or exchange[1:] == "11":
        return False
    if area in _NANP_NOT_PERSONAL:
        return False
    return not (exchange == "555" and line.startswith("01"))


def personal_phone(value: str) -> bool:
    """Whether a phone-shaped value may be a person's number (see the module's docstring)."""
    digits = re.sub(r"[^0-9]", "", value)
    if len(set(digits)) <= 2 or "1234567" in digits or "7654321" in digits:
        return False
    if re.search(r"555[^0-9]*01[0-9][0-9]", value):
        return False
    international = value.lstrip().startswith("+")
    if not international or (digits.startswith("1") and len(digits) == 11):
        national = digits[1:] if international else digits
        return len(national) != 10 or _nanp_real(national)
    if digits.startswith("44"):
        uk = "0" + digits[2:].removeprefix("0")
        return not uk.startswith(_UK_FICTIONAL + _UK_NOT_PERSONAL)
    if digits.startswith("61"):
        au = "0" + digits[2:].removeprefix("0")
        return not au.startswith(_AU_FICTIONAL)
    return True


# -- other ids -------------------------------------------------------------------------------

_SSN_EXAMPLES = frozenset(("123456789", "078051120", "219099999", "457555462"))


def issued_ssn(value: str) -> bool:
    """Whether a US social security number could have been issued: area not 000, 666 or
    9xx, group not 00, serial not 0000, not one of the numbers published as examples."""
    digits = re.sub(r"[^0-9]", "", value)[-9:]
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    if area in ("000", "666") or area[0] == "9" or group == "00" or serial == "0000":
        return False
    return digits not in _SSN_EXAMPLES and len(set(digits)) > 2


# card numbers the card networks and payment processors publish for testing
_TEST_CARDS = frozenset((
    "4111111111111111", "4242424242424242", "4012888888881881", "4000056655665556",
    "4000000000000002", "4000000000000077", "4000000000003220", "4000000000009995",
    "5555555555554444", "5105105105105100", "5200828282828210", "5454545454545454",
    "2223003122003222", "2223000048400011", "6011111111111117", "6011000990139424",
    "6011000000000004", "378282246310005", "371449635398431", "378734493671000",
    "340000000000009", "6555900000604105"))


def luhn(s: str) -> bool:
    """Whether the 13 to 19 digits of a text pass the Luhn checksum."""
    digits = [int(c) for c in s if c.isdigit()]
    if not 13 <= len(digits) <= 19:
        return False
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def real_card(value: str) -> bool:
    """A card number that passes the Luhn checksum and is not a published test number, one
    digit repeated or a counting run."""
    digits = re.sub(r"[^0-9]", "", value)
    if not luhn(digits) or digits in _TEST_CARDS or digits.startswith("40000000000"):
        return False
    return len(set(digits)) > 2 and "12345678" not in digits
