"""Fixtures of the hackathon tests: bubblewrap, which the code track's sandbox needs.

Without bwrap the sandbox tests skip with the reason printed; under CI=true (CI installs it with
tools/system-deps.sh) they fail instead, so CI never passes without having run them.
"""
import shutil
import subprocess

import pytest

from prerequisites import skip_or_fail

BWRAP_MISSING = ("bubblewrap (bwrap) is not installed or cannot create namespaces here, so the "
                 "code track's sandbox cannot be tested; install it with `sudo apt-get install "
                 "bubblewrap` (tools/system-deps.sh does so when CI=true)")


def _bwrap_works() -> bool:
    path = shutil.which("bwrap")
    if path is None:
        return False
    done = subprocess.run([path, "--unshare-all", "--ro-bind", "/", "/", "true"], capture_output=True)
    return done.returncode == 0


@pytest.fixture(scope="session")
def bwrap():
    """The bwrap path; skips (fails under CI=true) when bubblewrap is missing or unusable."""
    if not _bwrap_works():
        skip_or_fail(BWRAP_MISSING)
    return shutil.which("bwrap")
