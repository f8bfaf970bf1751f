"""The README and the docs point only inside the repository, at files that exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]

#: A Markdown link ``[text](target)``.
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
#: A path written in backticks that names a place in the repository (``src/...``, ``docs/...``).
TOP = ("src/", "docs/", "tests/", "benchmarks/")
PATH = re.compile(r"`((?:\.\./|" + "|".join(re.escape(t) for t in TOP) + r")[^`\s]*)`")


def references(text: str) -> list[str]:
    """Link targets and repository paths written in ``text``."""
    return LINK.findall(text) + PATH.findall(text)


def test_references_finds_links_and_paths():
    text = "see [the design](docs/design.md), `src/t1dtrial/` and `../shared/X.md`; `results/`"
    assert references(text) == ["docs/design.md", "src/t1dtrial/", "../shared/X.md"]


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_link_and_path_is_a_file_of_the_repository(doc):
    wrong = []
    for target in references(doc.read_text(encoding="utf-8")):
        path = target.split("#")[0]
        if re.match(r"^[a-z]+:", target):
            wrong.append(f"{target} (outside the repository)")
            continue
        base = REPO if any(path.startswith(t) for t in TOP) else doc.parent
        resolved = (base / path).resolve()
        if REPO not in (resolved, *resolved.parents):
            wrong.append(f"{target} (outside the repository)")
        elif not resolved.exists():
            wrong.append(f"{target} (no such file)")
    assert wrong == []


def test_the_readme_links_the_design_and_the_protocol_guide():
    links = LINK.findall((REPO / "README.md").read_text(encoding="utf-8"))
    assert {"docs/design.md", "docs/protocol.md"} <= set(links)
