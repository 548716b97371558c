"""Regenerate the rule table in README.md and the rule reference docs/rules.md from the rule
registry (``make readme`` or ``make docs``)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from datalint.cli import rules_markdown
from datalint.registry import all_rules

README = Path(__file__).resolve().parent.parent / "README.md"
sys.path.insert(0, str(Path(__file__).resolve().parent))

import gen_docs  # noqa: E402  (the script next to this one)


def main() -> None:
    text = README.read_text()
    start = re.search(r"<!-- rules:start[^>]*-->\n", text)
    end = text.index("<!-- rules:end -->")
    new = text[: start.end()] + rules_markdown(all_rules()) + text[end:]
    README.write_text(new)
    gen_docs.main()


if __name__ == "__main__":
    main()
