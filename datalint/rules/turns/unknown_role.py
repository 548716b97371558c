import difflib
import re
from dataclasses import dataclass

from ...io.layouts import ROLE_ALIASES
from ...rule import RecordRule

from ._common import CANONICAL, role_field
from operator import attrgetter

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


_VERDICTS: dict = {}  # role sequence -> may this rule report it (see Batch.with_roles)
_rejected_of = attrgetter("rejected")


def _has_unknown(roles) -> bool:
    return not CANONICAL.issuperset(roles)


class UnknownRole(RecordRule):
    """A message role that is not system, user, assistant or tool, even after the built-in
    aliases (``human``, ``gpt``, ``model``, ``function``, ``developer``…) are mapped.

    ## What it does
    Reports each record with a role datalint cannot place (``customer``, ``agent``, a typo such
    as ``asistant``, an empty string), once per record and role, naming the raw role and the
    config that maps it.  A consistent role name used throughout a file is reported on the
    first ``max-per-file`` records; the last finding counts the rest.  Plain ``text`` records
    have no roles and are not checked.

    ## Why it hurts fine-tuning
    Chat templates only know a few roles: an unknown one either raises an error in the middle of
    a training run or is rendered as an odd header the model then learns to produce.  Trainers
    that mask loss by role do not train on turns they cannot place as the assistant.

    ## Example
    ```
    {"conversations": [{"from": "customer", "value": "My order is late."},
                       {"from": "agent", "value": "Sorry about that!"}]}
    ```

    ## How to fix
    Rename the roles in the data, or, if they are consistent, map them in the config so datalint
    (and your conversion script) reads them correctly:

    ```
    [tool.datalint.roles]
    customer = "user"
    agent = "assistant"
    ```

    ## Options
    ``max-per-file`` (int, default 20): records reported one by one per file and role; the
    last finding counts the others.  Role mapping is configured under
    ``[tool.datalint.roles]`` (``[roles]`` in a ``datalint.toml``).
    """

    code = "R002"
    name = "unknown-role"
    summary = "a message role that is not system, user, assistant or tool"
    severity = "error"

    @dataclass
    class Options:
        max_per_file: int = 20

    def setup(self) -> None:
        self.seen: dict[tuple[str, str], list] = {}  # (path, raw role) -> [count, last finding]

    def candidates(self, batch):
        # not a ``roles`` declaration alone: the rejected side's roles are judged too
        found = batch.with_roles(_VERDICTS, _has_unknown)
        records = batch.records
        if not any(map(_rejected_of, records)):
            return found
        flagged = {id(r) for r in found}
        return [r for r in records if id(r) in flagged or (
            r.rejected and not all(t.role in CANONICAL for t in r.rejected))]

    def check(self, record):
        for t in record.turns:
            if t.role not in CANONICAL and t.raw_role is not None:
                break
        else:
            rejected = record.rejected
            if not rejected or all(t.role in CANONICAL or t.raw_role is None for t in rejected):
                return ()
        return self._report(record)

    def _report(self, record):
        out = None
        found: set[str] | None = None
        for turns in (record.turns, record.rejected):
            if not turns:
                continue
            for i, t in enumerate(turns):
                role = t.role
                if role in CANONICAL or t.raw_role is None:
                    continue  # canonical, or no usable role (already a layout issue), or text
                raw = t.raw_role
                if found is None:
                    found = set()
                elif raw in found:
                    continue
                found.add(raw)
                key = (record.path, raw)
                entry = self.seen.get(key)
                if entry is None:
                    entry = self.seen[key] = [0, None]
                entry[0] += 1
                if entry[0] > self.options.max_per_file:
                    continue
                f = self.finding(record, _message(raw, _guess(turns, i)), field=role_field(t),
                                 data={"role": raw})
                entry[1] = f
                if out is None:
                    out = [f]
                else:
                    out.append(f)
        return out or ()

    def finish(self):
        for (_, raw), (count, last) in self.seen.items():
            extra = count - self.options.max_per_file
            if extra > 0 and last is not None:
                last.message += f"; {extra:,} more records in this file use role {raw!r}"
        return ()


def _guess(turns, i: int) -> str:
    """The canonical role a turn probably has, for the config example: the opposite of a known
    neighbour's side, else by position (user first, then alternating)."""
    if i > 0:
        r = turns[i - 1].role
        if r == "user" or r == "tool":
            return "assistant"
        if r == "assistant":
            return "user"
    if i + 1 < len(turns):
        r = turns[i + 1].role
        if r == "assistant":
            return "user"
        if r == "user":
            return "assistant"
    n = sum(1 for t in turns[:i] if t.role != "system")
    return "user" if n % 2 == 0 else "assistant"


def _message(raw: str, target: str) -> str:
    shown = repr(raw)
    if not raw.strip():
        return f"empty role {shown}: every message needs system, user, assistant or tool"
    close = difflib.get_close_matches(raw.lower(), list(ROLE_ALIASES), n=1, cutoff=0.75)
    hint = ""
    if close:
        target = ROLE_ALIASES[close[0]]
        hint = f" (a typo for {close[0]!r}?)"
    key = raw if _BARE_KEY.fullmatch(raw) else '"' + raw.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return (f"unknown role {shown}{hint}: not system, user, assistant or tool; fix the data or map "
            f"it in the config, e.g. [tool.datalint.roles] {key} = \"{target}\"")
