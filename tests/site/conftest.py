"""Fixtures shared by the site tests: the built site and the artifacts folder.

`make test` builds the site (`make book`) before running pytest, so these tests read
``_build/html``. Run alone without a build they skip with the reason, except under CI=true,
where a missing build is a failure.
"""
from pathlib import Path

import pytest

from site_helpers import ARTIFACTS, SITE, skip_or_fail


@pytest.fixture(scope="session")
def built_site() -> Path:
    """The built HTML site (``_build/html``)."""
    if not (SITE / "index.html").exists():
        skip_or_fail(f"the site is not built ({SITE} has no index.html): run `make book` first")
    return SITE


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """``artifacts/`` (git-ignored): screenshots and the page budget table are written here."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
