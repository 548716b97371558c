"""The documentation holds together: README.md's contents list matches its headings, every
relative link in README.md and docs/*.md reaches an existing file and anchor, docs/rules.md is
what scripts/gen_docs.py generates from the rules, and `make demo` treats datalint's exit 1
(the demo data has findings) as the expected result."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"

_FENCE = re.compile(r"^\s*(```|~~~)")
_INLINE_CODE = re.compile(r"(`+)(?:(?!\n\s*\n).)+?(?<!`)\1(?!`)", re.S)  # within a paragraph
_LINK = re.compile(r"(?<!!)\[([^\]]*)\]\(([^()\s]+)\)")
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


def _prose_lines(text: str):
    """(line number, line) of the lines outside code fences."""
    fenced = False
    for n, line in enumerate(text.splitlines(), 1):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            yield n, line


def _slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = heading.replace("`", "").strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def _headings(text: str) -> list[tuple[int, str]]:
    out = []
    for _, line in _prose_lines(text):
        m = _HEADING.match(line)
        if m:
            out.append((len(m.group(1)), m.group(2)))
    return out


def _anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    anchors = set()
    for _, title in _headings(path.read_text()):
        slug = _slug(title)
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        anchors.add(slug if n == 0 else f"{slug}-{n}")
    return anchors


def _links(path: Path):
    """(line number, target) of each Markdown link outside code, a link's text may run over
    two lines."""
    lines = path.read_text().splitlines()
    prose = dict(_prose_lines("\n".join(lines)))
    text = "\n".join(prose.get(n, "") for n in range(1, len(lines) + 1))
    # blank out code spans (keeping offsets and line breaks) so `[x](y)` in code is no link
    text = _INLINE_CODE.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
    for m in _LINK.finditer(text):
        yield text.count("\n", 0, m.start()) + 1, m.group(2)


def _doc_files() -> list[Path]:
    return [README, *sorted(DOCS.glob("*.md"))]


def test_docs_folder_holds_the_moved_documentation():
    names = {p.name for p in DOCS.glob("*.md")}
    assert {"rules.md", "workflows.md", "performance.md", "precision.md"} <= names


def test_benchmark_figures_live_in_docs_not_in_the_readme():
    readme = README.read_text()
    for detail in ("records/s", "dict.get", "peak RSS", "| precision |"):
        assert detail not in readme, f"{detail!r}: benchmark detail belongs in docs/"
    performance = (DOCS / "performance.md").read_text()
    assert "<!-- bench:start -->" in performance and "records/s" in performance


@pytest.mark.parametrize("path", _doc_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_reach_a_file_and_anchor(path):
    broken = []
    for n, target in _links(path):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto: …
            continue
        file_part, _, anchor = target.partition("#")
        dest = (path.parent / file_part).resolve() if file_part else path
        where = f"{path.relative_to(ROOT)}:{n}: {target}"
        if not dest.exists():
            broken.append(f"{where} (no such file)")
        elif anchor and (dest.suffix != ".md" or anchor not in _anchors(dest)):
            broken.append(f"{where} (no heading with anchor #{anchor})")
    assert not broken, "broken links:\n" + "\n".join(broken)


def _contents_entries(text: str) -> list[tuple[int, str, str]]:
    """(depth, label, anchor) of each entry of the `## Contents` list."""
    lines = text.splitlines()
    start = lines.index("## Contents") + 1
    entries = []
    for line in lines[start:]:
        if line.startswith("#"):
            break
        m = re.match(r"^( *)- \[(.+)\]\(#([^)]+)\)\s*$", line)
        if m:
            entries.append((len(m.group(1)) // 2, m.group(2), m.group(3)))
        elif line.strip() and not line.startswith("<!--"):
            raise AssertionError(f"not a contents entry: {line!r}")
    return entries


@pytest.mark.parametrize("path", [README, *sorted(p for p in DOCS.glob("*.md")
                                                    if p.name != "rules.md")],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_contents_list_matches_the_headings(path):
    text = path.read_text()
    sections = [title for level, title in _headings(text) if level == 2 and title != "Contents"]
    if path != README and len(sections) < 3:
        return  # a short document needs no contents list
    assert "## Contents" in text, f"{path.name} has no `## Contents` list"
    entries = _contents_entries(text)
    deepest = max(depth for depth, _, _ in entries)
    levels = range(2, 3 + deepest)  # ## headings, and ### ones when the list goes that deep
    after = text[text.index("## Contents"):]
    headings = [(level - 2, title, _slug(title)) for level, title in _headings(after)
                if level in levels and title != "Contents"]
    assert entries == headings, (
        f"the contents list of {path.name} does not match its headings; it should read:\n"
        + "\n".join(f"{'  ' * d}- [{t}](#{a})" for d, t, a in headings))


def _gen_docs():
    spec = importlib.util.spec_from_file_location("gen_docs", ROOT / "scripts" / "gen_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_rule_reference_is_current():
    expected = _gen_docs().rules_reference()
    current = (DOCS / "rules.md").read_text() if (DOCS / "rules.md").exists() else ""
    assert current == expected, (
        "docs/rules.md is stale (a rule, its docstring or its options changed): regenerate it "
        "with `make docs` (or `.venv/bin/python scripts/gen_docs.py`)")


def test_rule_reference_documents_every_rule():
    from datalint.registry import all_rules

    text = (DOCS / "rules.md").read_text()
    anchors = _anchors(DOCS / "rules.md")
    for rule in all_rules():
        assert _slug(f"{rule.code} {rule.name}") in anchors
        # the docstring's sections are there, under the rule's heading, as Markdown
        for title in rule.doc_sections():
            if title:
                assert f"#### {title}" in text
    prose = "\n".join(line for _, line in _prose_lines(text))
    assert not re.search(r"(?<!`)``[^`]+``(?!`)", prose), \
        "RST double-backtick literals left in docs/rules.md"


def test_rule_docstrings_become_markdown():
    to_markdown = _gen_docs()._markdown_doc
    doc = ("Intro with ``a literal`` and ```` ``` ```` (a span of backticks).\n\n"
           "## Options\n``max-x`` (int, default\n3).\n```\n## not a heading: ``kept``\n```")
    assert to_markdown(doc) == (
        "Intro with `a literal` and ```` ``` ```` (a span of backticks).\n\n"
        "#### Options\n`max-x` (int, default\n3).\n```\n## not a heading: ``kept``\n```")


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
@pytest.mark.parametrize("status, make_ok", [(0, True), (1, True), (2, False), (3, False)])
def test_make_demo_accepts_findings_and_fails_on_errors(tmp_path, status, make_ok):
    """`make demo` runs datalint on data built to have problems: exit 1 is expected and says
    so; exit 2 (input or usage error) and 3 (a rule crashed) fail make."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "datalint"
    fake.write_text(f"#!/bin/sh\necho \"report of $*\"\nexit {status}\n")
    fake.chmod(0o755)
    (tmp_path / "pyproject.toml").write_text("")
    stamp = tmp_path / "installed"
    stamp.write_text("")
    os.utime(tmp_path / "pyproject.toml", (0, 0))  # the stamp is newer: no set-up is run
    r = subprocess.run(["make", "-s", "-f", str(ROOT / "Makefile"), "-C", str(tmp_path), "demo",
                        f"BIN={bin_dir}", f"STAMP={stamp}"],
                       capture_output=True, text=True, timeout=60)
    assert "report of check fixtures/demo/support_train.jsonl" in r.stdout
    assert (r.returncode == 0) == make_ok, r.stdout + r.stderr
    expected_note = "datalint exited with 1: the demo data has problems to fix (expected)"
    assert (expected_note in r.stdout) == (status == 1)
    if not make_ok:
        assert f"Error {status}" in r.stderr  # datalint's own exit code stays visible
