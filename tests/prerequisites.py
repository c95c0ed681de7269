"""The one place a test may be skipped: a prerequisite is missing on this machine.

Locally a missing prerequisite (PyTorch, bubblewrap, Chromium, a built site) skips the tests
that need it, with the reason printed. Under ``CI=true`` it is a failure instead: CI installs
every prerequisite, so a skip there would hide a test that proves nothing.
``tests/test_prerequisites.py`` fails when a test skips or xfails any other way.
"""
import os

import pytest


def skip_or_fail(reason: str):
    """Skip with ``reason``; under CI=true the missing prerequisite is a failure instead."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must run this test, but: {reason}")
    pytest.skip(reason)
