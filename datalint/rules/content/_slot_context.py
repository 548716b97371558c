"""What the prompt says about the slots of a text, for ``unfilled-placeholder`` (C002).

A slot is a defect when the text is meant to be final.  It is not when the user asked for a
document that the user fills in and sends (a letter, an e-mail, a form, a template: no one can
know the sender's name, the date or the recipient's address), when the task is about the
slots themselves (a template to fill, placeholders to replace names with), when the slot is a
format the user wrote ("list them as {Name}-{River}"), or when an answer repeats a slot that
the prompt gave it.  It still is when the prompt gives the value ("Name: Mary" and then
"Dear [Name]").
"""

from __future__ import annotations

import re

# -- what the user asked for ------------------------------------------------------------------
# A document the user fills in with details only the user knows, then sends or publishes:
# correspondence, forms and templates, a text that presents the user (or the user's business)
# to others.  Ambiguous words are only taken in the phrases that make them such a document,
# and only when asked for: a verb of writing before it in the same sentence ("How do I get
# the newsletter?" asks for none).
_REQUEST = r"""(?:write|writing|compose|draft|create|generate|prepare|produce|craft|pen|make|
    design|draw[ ]up|put[ ]together|come[ ]up[ ]with|suggest|give|provide|need|want|send|
    reply|respond|rewrite|re-write|edit|improve|polish|proofread|finish|complete|insert|add|
    structure|formulate|develop|outline|find|turn|convert|help|construct|build|format|
    type[ ]up|sketch|fill)"""
_DOCUMENT = re.compile(r"""\b""" + _REQUEST + r"""\b[^.?!\n]{0,80}?\b(?:
    letters? | e-?mails? | mails? | memos? | memorandums? | messages? | invitations? | invites?
  | announcements? | repl(?:y|ies) | greetings? | salutations? | sign-?offs? | signatures?
  | (?:a|an|short|brief|quick|personal|thank[- ]you|welcome|farewell|cover|love|delivery|
       shipping) [ ]notes?
  | (?:greeting|birthday|thank[- ]you|holiday|christmas|business|wedding|sympathy|get[- ]well|
       invitation) [ ]cards? | postcards?
  | thank[- ]you | apolog(?:y|ies|i[sz]e|i[sz]ing) | resignation | complaint
  | templates? | (?:a|an|the|this|registration|application|order|feedback|contact|sign-?up|
       consent|survey|intake) [ ]forms? | form [ ]letters?
  | cover [ ]letters? | r[ée]sum[ée]s? | cvs? | job [ ]applications? | certificates? | contracts?
  | (?:rental|lease|service|licen[cs]e|non-disclosure|employment|sales|partnership|purchase|
       loan|confidentiality|user) [ ]agreements?
  | invoices? | receipts? | agendas? | meeting [ ]minutes | itinerar(?:y|ies)
  | self-introductions? | bios? | (?:author|professional|personal|short|brief) [ ]biography
  | (?:linkedin|dating|social [ ]media|company|professional|personal) [ ]profiles?
  | pitch(?:es)? | speech(?:es)? | toasts? | eulog(?:y|ies) | voicemails? | text [ ]messages?
  | (?:sales|phone|call|video|commercial|radio|podcast|presentation|interview|telemarketing|
       customer [ ]service|cold[- ]call) [ ]scripts?
  | scripts? [ ](?:of|for) [ ](?:a|an|the) [ ](?:\w+[ ]){0,3}?(?:calls?|conversations?|
       commercials?|ads?|presentations?|interviews?|podcasts?|speech(?:es)?)
  | advertisements? | adverts? | ads? | flyers? | brochures? | posters? | press [ ]releases?
  | newsletters? | about [ ]us | landing [ ]pages? | (?:web[ ]?site|home[ ]?page) [ ](?:copy|content|text)
  | product [ ]descriptions? | job [ ](?:postings?|descriptions?|listings?|ads?|adverts?|offers?)
  | (?:blog|social [ ]media|facebook|linkedin|instagram|forum) [ ]posts? | tweets?
  | proposals? | slogans? | taglines?
  | respon(?:d|se) [ ]to [ ](?:(?:a|an|the|this|that|their|his|her|my|your) [ ])?(?:\w+[ ])?
       (?:customers?|clients?|reviews?|complaints?|inquir(?:y|ies)|enquir(?:y|ies)|e-?mails?|
        letters?|messages?|comments?|feedback|applicants?|candidates?|guests?|tenants?)
)\b | \bintroduc(?:e|ing)[ ](?:yourself|myself|me|ourselves|himself|herself|themselves|
    the[ ]team)\b""", re.I | re.X)

# The task is about slots: a template to fill in, placeholders, blanks, template variables.
_ABOUT_SLOTS = re.compile(r"""\b(?:
    templates? | placeholders? | fill[- ]in | fill [ ](?:in|out) | blanks? | mad [ ]?libs?
  | merge [ ]fields? | mail [ ]merge | jinja2? | handlebars | mustache | liquid
  | (?:template|placeholder|substitution|merge|string|format) [ ]variables?
  | variables? [ ](?:in|of|inside) [ ](?:braces|curly|brackets|the[ ]template)
  | twig | string [ ]interpolation | format [ ]strings?
)\b""", re.I | re.X)

# De-identification: the wanted answer puts a slot where a name or a detail was.
_DEIDENTIFY = re.compile(r"""\b(?:
    anonymi[sz]\w* | de-?identif\w* | redact\w* | pseudonymi[sz]\w* | depersonali[sz]\w*
  | personally [ ]identifiable | PII
  | (?:mask|remove|strip|hide|replace|scrub|censor|obscure|blank [ ]out)\w* [ ](?:\w+[ ]){0,3}?
    (?:names? | personal [ ](?:data|information|info|details) | identif\w*
      | sensitive [ ](?:data|information|info|details) | contact [ ](?:details|information))
)\b""", re.I | re.X)

# A slot written as the format to follow: right after a word that says so, a colon or an
# arrow ("list them as {Name}-{River}", "in the form [Name]: [Score]", "e.g. <CITY>").
_FORMAT_CUE = re.compile(r"""(?:\b(?:format|formatted|form|template|pattern|structure|syntax|
    layout|schema|like|as|e\.g\.|i\.e\.|eg|such [ ]as|example|reads?)\b|[=→])
    [\s:'"“‘`(\-]*$""", re.I | re.X)
# A slot joined to another bracketed part by punctuation only: "{Name}-{River}", "[River]:
# [Country]" (the other part need not be a slot the patterns know).
_JOINED_BEFORE = re.compile(r"[\]}>][\s\-–—:;,/|+&'\"]{0,4}$")
_JOINED_AFTER = re.compile(r"[\s\-–—:;,/|+&'\"]{0,4}[\[{<]")

# -- a value the prompt gives -----------------------------------------------------------------
_OPENERS = re.compile(r"^(?:insert|enter|fill in|add|put|type)\s+(?:the\s+|a\s+|an\s+)?", re.I)
_TAIL = re.compile(r"\s+here$", re.I)
# after the label: ": value", "= value", or " is Value" (a capital or a digit: a name, a number)
_VALUE = r"(?:\s*[:=]\s*[^\s\[\]<>{}]|\s+(?:is|was)\s+[\"“']?[A-Z0-9])"


def slot_label(slot: str) -> str:
    """The words of a slot, lower-cased: ``[Insert Customer's Name here]`` → "customer's
    name"."""
    inner = slot.strip("[]{}<> \t").replace("’", "'").replace("_", " ")
    inner = _TAIL.sub("", _OPENERS.sub("", inner.strip()))
    return " ".join(inner.lower().split())


def _label_regex(label: str) -> re.Pattern | None:
    words = label.split()
    if not words or len(label) > 40:
        return None
    parts = [re.escape(w).replace("'s", "(?:'s|s)?") for w in words]
    body = r"[\s_]+".join(parts)
    alts = [body]
    if words[0] == "your" and len(words) > 1:  # "[Your Name]" is known from "My name is …"
        alts.append(r"my[\s_]+" + r"[\s_]+".join(parts[1:]))
    return re.compile(r"(?<![\w'])(?i:" + "|".join(alts) + r")" + _VALUE)


class Prompt:
    """The prompt of an answer (the user, system and tool turns before it), read lazily."""

    __slots__ = ("text", "_document", "_about", "_deid", "_known")

    def __init__(self, text: str):
        self.text = text
        self._document: bool | None = None
        self._about: bool | None = None
        self._deid: bool | None = None
        self._known: dict[str, bool] = {}

    @property
    def asks_for_document(self) -> bool:
        if self._document is None:
            self._document = _DOCUMENT.search(self.text) is not None
        return self._document

    @property
    def about_slots(self) -> bool:
        if self._about is None:
            self._about = _ABOUT_SLOTS.search(self.text) is not None
        return self._about

    @property
    def deidentifies(self) -> bool:
        if self._deid is None:
            self._deid = _DEIDENTIFY.search(self.text) is not None
        return self._deid

    def holds(self, slot: str) -> bool:
        """Whether the prompt holds this very slot (the answer follows the prompt)."""
        return slot in self.text

    def gives_value(self, slot: str) -> bool:
        """Whether the prompt gives the slot's value: "Name: Mary", "the company is Acme",
        "my name is Sam" for ``[Your Name]``."""
        label = slot_label(slot)
        got = self._known.get(label)
        if got is None:
            rx = _label_regex(label)
            got = self._known[label] = rx is not None and rx.search(self.text) is not None
        return got

    def leaves_open(self, pattern_id: str, slot: str, engine: bool) -> bool:
        """Whether a slot of the answer is one the user asked to be left for them to fill
        (and not one whose value the prompt gives)."""
        if self.holds(slot):
            return True
        if engine:  # {{name}}, {name}: only when the task is about templates and variables
            return self.about_slots
        if not (self.asks_for_document or self.about_slots or self.deidentifies):
            return False
        return not self.gives_value(slot)


def is_prompt_format(text: str, a: int, b: int) -> bool:
    """Whether the slot at ``text[a:b]`` of a prompt is a format the user wrote: it comes
    right after a word that says so (or a colon or an arrow), or it is joined to another
    bracketed part by punctuation only (``{Name}-{River}``)."""
    start = max(text.rfind("\n", 0, a) + 1, a - 40)
    return (_FORMAT_CUE.search(text, start, a) is not None
            or _JOINED_BEFORE.search(text, start, a) is not None
            or _JOINED_AFTER.match(text, b) is not None)


def prompt_leaves_open(prompt: str, text: str, a: int, b: int) -> bool:
    """Whether a slot at ``text[a:b]`` of a prompt (the user's, system or tool text) is
    meant to be there: the prompt is about templates, placeholders or blanks, or asks to
    replace names and details with slots, or the slot is a format the user wrote."""
    return (_ABOUT_SLOTS.search(prompt) is not None or _DEIDENTIFY.search(prompt) is not None
            or is_prompt_format(text, a, b))
