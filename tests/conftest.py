from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
CORPORA = ROOT.parent / "shared" / "corpora"

# Tests never touch the user's cache; this one persists between local runs (the distilled
# fast model takes ~40 s to build) and starts empty on a clean clone.
os.environ["DATALINT_CACHE_DIR"] = str(ROOT / ".pytest_cache" / "datalint")


@pytest.fixture
def corpora() -> Path:
    """The shared real-data corpora; tests using it skip cleanly when it is absent."""
    if not CORPORA.is_dir():
        pytest.skip("../shared/corpora is not present")
    return CORPORA
