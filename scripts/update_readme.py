"""Regenerate the rule table in README.md from the rule registry."""

from __future__ import annotations

import re
from pathlib import Path

from datalint.cli import rules_markdown
from datalint.registry import all_rules

README = Path(__file__).resolve().parent.parent / "README.md"


def main() -> None:
    text = README.read_text()
    start = re.search(r"<!-- rules:start[^>]*-->\n", text)
    end = text.index("<!-- rules:end -->")
    new = text[: start.end()] + rules_markdown(all_rules()) + text[end:]
    README.write_text(new)


if __name__ == "__main__":
    main()
