"""A skipped test proves nothing: skips go through ``prerequisites.skip_or_fail`` only, which
fails under CI=true, and no test is marked skip or xfail."""
import re
from pathlib import Path

import pytest

from prerequisites import skip_or_fail

TESTS = Path(__file__).resolve().parent
SKIPS = re.compile(r"pytest\.skip\(|pytest\.mark\.(skip|skipif|xfail)\b|pytest\.xfail\(|importorskip\(")


def test_a_missing_prerequisite_fails_under_ci(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must run this test, but: no bwrap"):
        skip_or_fail("no bwrap")


def test_a_missing_prerequisite_skips_elsewhere(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no bwrap"):
        skip_or_fail("no bwrap")


def test_no_test_skips_or_xfails_any_other_way():
    found = [f"{path.relative_to(TESTS)}:{number}"
             for path in sorted(TESTS.rglob("*.py")) if path.name not in ("prerequisites.py", Path(__file__).name)
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if SKIPS.search(line)]
    assert not found, f"skip or xfail outside prerequisites.skip_or_fail: {found}"
