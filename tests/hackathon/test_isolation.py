"""The hackathon's sandbox shows exactly its read-only paths, wherever they live: a checkout or
a virtual environment under /tmp (where a CI runner may clone) is not hidden by the sandbox's
private /tmp."""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "hackathon"))

from isolation import Limits, run_limited, sandboxed  # noqa: E402


def test_read_only_paths_under_tmp_are_visible_and_the_rest_of_tmp_is_not(bwrap, tmp_path):
    assert str(tmp_path).startswith("/tmp/")  # pytest's tmp_path: the case that used to fail
    shown, other, work = tmp_path / "shown", tmp_path / "other", tmp_path / "work"
    for folder in (shown, other, work):
        folder.mkdir()
    (shown / "marker.txt").write_text("visible\n", encoding="utf-8")
    (other / "secret.txt").write_text("hidden\n", encoding="utf-8")
    script = (f"print(open({str(shown / 'marker.txt')!r}).read().strip()); "
              f"import os; print(os.path.exists({str(other / 'secret.txt')!r}))")
    command = sandboxed([sys.executable, "-c", script], workdir=work, readonly=[shown], hidden=[],
                        bwrap=bwrap)
    done = run_limited(command, Limits(time_limit_s=60, memory_limit_mb=2048))
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["visible", "False"]
