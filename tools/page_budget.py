"""Print the per-page execution time and peak memory measured by tests/site/test_binder.py.

Usage: python tools/page_budget.py [artifacts/page_budget.json]

The table lists every page in table-of-contents order with its wall time (seconds, kernel start
to last cell, in the Binder-like venv), its kernel's CPU time (what the limit and the goal are
checked against, so that machine load does not count) and peak resident memory (MB), flags
pages over the limits or over the 30 s goal, and ends with totals. Exit status 1 when a page failed
or is over a limit, so the lead can use it in notes or scripts.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL_SECONDS = 30  # the goal; the hard limit comes from the report itself


def budget_seconds(record: dict) -> float | None:
    """The time a page is judged by: its kernel's CPU time, or the wall time without /proc."""
    cpu = record.get("cpu_seconds")
    return cpu if cpu is not None else record["seconds"]


def verdict(record: dict, limits: dict) -> str:
    """A short status for one page: ok, goal (over 30 s), FAILED, or OVER <what>."""
    if record.get("error"):
        return "FAILED"
    over = []
    seconds = budget_seconds(record)
    if seconds is not None and seconds > limits["seconds"]:
        over.append("time")
    if record["peak_mb"] is not None and record["peak_mb"] > limits["peak_mb"]:
        over.append("memory")
    if over:
        return "OVER " + "+".join(over)
    if seconds is not None and seconds > GOAL_SECONDS:
        return f"> {GOAL_SECONDS} s goal"
    return "ok"


def format_table(report: dict) -> str:
    """The report as a fixed-width text table with a header line and totals."""
    limits = report["limits"]
    pages = report["pages"]
    width = max([len("page")] + [len(r["page"]) for r in pages])
    lines = [
        f"Binder-like run, one page at a time on {report['cpu_count']} CPUs, "
        f"Python {report['python']}, venv setup {report['venv_setup_seconds']} s; "
        f"limits {limits['seconds']} s and {limits['peak_mb']} MB per page",
        f"{'page':<{width}}  {'seconds':>8}  {'CPU s':>8}  {'peak MB':>8}  status",
    ]
    for r in pages:
        seconds = "-" if r["seconds"] is None else f"{r['seconds']:.1f}"
        cpu = "-" if r.get("cpu_seconds") is None else f"{r['cpu_seconds']:.1f}"
        peak = "-" if r["peak_mb"] is None else f"{r['peak_mb']:.0f}"
        lines.append(f"{r['page']:<{width}}  {seconds:>8}  {cpu:>8}  {peak:>8}  {verdict(r, limits)}")
    timed = [r["seconds"] for r in pages if r["seconds"] is not None]
    peaks = [r["peak_mb"] for r in pages if r["peak_mb"] is not None]
    lines.append(f"{len(pages)} pages: {sum(timed):.1f} s in total, slowest {max(timed, default=0):.1f} s, "
                 f"highest peak {max(peaks, default=0):.0f} MB")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else ROOT / "artifacts" / "page_budget.json"
    if not path.exists():
        print(f"{path} does not exist: run `pytest -m binder tests/site/test_binder.py` first")
        return 1
    report = json.loads(path.read_text(encoding="utf-8"))
    print(format_table(report))
    statuses = [verdict(r, report["limits"]) for r in report["pages"]]
    return 1 if any(s == "FAILED" or s.startswith("OVER") for s in statuses) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
