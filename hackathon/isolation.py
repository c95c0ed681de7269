"""Run a child process under limits: memory, wall clock, captured output, and (code track) bubblewrap.

``run_limited(command, limits)`` is how the scorer starts every child (ingestion and scoring).
``sandboxed(command, ...)`` wraps a command in bubblewrap (``bwrap``), the kept tool that
Flatpak uses, so that a participant's code runs

* with no network (``--unshare-all`` gives it new network, pid, ipc, uts and cgroup namespaces
  and a user namespace with no capabilities);
* on a file system that holds only the system (``/usr``, ``/etc``), the Python installation,
  the virtual environment and the folders the caller names, read-only (``score.py`` names the
  library and the hackathon kit, never ``instructor/`` or ``.git``; a test file inside a mounted
  folder is replaced by an empty file), an empty ``/tmp``, and one writable folder: its own
  work folder;
* in its own pid namespace, so every process it starts (a ``fork`` + ``setsid`` daemon too) is
  killed when it ends; ``--die-with-parent`` ends it if the scorer dies.

Output is read by two threads that keep the first ``OUTPUT_CAP_BYTES`` of each stream and
discard the rest, so a child printing gigabytes costs the scorer nothing.
"""
from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTPUT_CAP_BYTES = 64 * 1024
# Largest file a child may write (its checkpoint included): far above any allowed model.
FILE_SIZE_LIMIT_BYTES = 512 * 1024 * 1024
# Every child runs single-threaded BLAS: the same matrix products, hence the same scores, on
# every run. PYTHONDONTWRITEBYTECODE: a child leaves no .pyc behind for another to read.
CHILD_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
             "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1"}
BWRAP_MISSING = ("bubblewrap (bwrap) is not installed, so code-track submissions cannot be run in a "
                 "sandbox; install it (`sudo apt-get install bubblewrap`), score recipes only, or pass "
                 "--unsafe-no-sandbox on a machine where every submission is trusted")


@dataclass(frozen=True)
class Limits:
    """Limits of one child process."""

    time_limit_s: float
    memory_limit_mb: int


@dataclass
class Finished:
    """What a child left: exit code (None on timeout), capped output, and whether output was cut."""

    returncode: int | None
    stdout: str
    stderr: str
    output_truncated: bool

    @property
    def timed_out(self) -> bool:
        return self.returncode is None


def bwrap_path() -> str | None:
    """The bubblewrap executable, or None when it is not installed."""
    return shutil.which("bwrap")


def _preexec(limits: Limits):
    """Caps applied in the child before exec (inherited by bwrap and everything inside it)."""
    def apply() -> None:
        memory = limits.memory_limit_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_SIZE_LIMIT_BYTES, FILE_SIZE_LIMIT_BYTES))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    return apply


def _drain(stream, keep: list, flags: dict) -> None:
    """Read ``stream`` to its end, keeping at most ``OUTPUT_CAP_BYTES`` bytes."""
    kept = 0
    while chunk := stream.read(65536):
        room = OUTPUT_CAP_BYTES - kept
        if room > 0:
            keep.append(chunk[:room])
            kept += min(room, len(chunk))
        if len(chunk) > room:
            flags["truncated"] = True


def run_limited(command: list[str], limits: Limits, env: dict | None = None) -> Finished:
    """Run ``command`` under ``limits``; output capped; on timeout its whole process group is killed."""
    child = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, preexec_fn=_preexec(limits),
                             start_new_session=True, env=env or {**os.environ, **CHILD_ENV})
    out, err, flags = [], [], {"truncated": False}
    readers = [threading.Thread(target=_drain, args=(s, keep, flags), daemon=True)
               for s, keep in ((child.stdout, out), (child.stderr, err))]
    for reader in readers:
        reader.start()
    try:
        returncode = child.wait(timeout=limits.time_limit_s)
    except subprocess.TimeoutExpired:
        returncode = None
    try:  # anything left in the group (without a sandbox, a daemon could have left it)
        os.killpg(child.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    child.wait()
    for reader in readers:  # a process outside the group may hold a pipe open: do not wait on it
        reader.join(timeout=5)
    text = lambda parts: b"".join(parts).decode("utf-8", "replace")  # noqa: E731
    return Finished(returncode, text(out), text(err), flags["truncated"])


def _system_mounts() -> list[str]:
    """Read-only mounts of the system and of this Python (interpreter, standard library, venv)."""
    args: list[str] = []
    for top in ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/etc"):
        path = Path(top)
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), top]
        elif path.is_dir():
            args += ["--ro-bind", top, top]
    prefixes = {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve(),
                Path(sys.executable).resolve().parent.parent}
    for prefix in sorted(prefixes):
        if not any(str(prefix).startswith(t + "/") for t in ("/usr", "/bin", "/lib", "/lib64")):
            args += ["--ro-bind", str(prefix), str(prefix)]
    return args


def sandboxed(command: list[str], *, workdir: Path, readonly: list[Path], hidden: list[Path],
              bwrap: str) -> list[str]:
    """``command`` wrapped in bubblewrap: no network, ``readonly`` paths read-only, ``workdir``
    the only writable folder, every path in ``hidden`` replaced by an empty folder or file."""
    args = [bwrap, "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
            "--clearenv",
            # A private /tmp first: mounted after the binds, it would hide a checkout or a venv
            # that lives under /tmp (bwrap applies its mounts in order).
            "--tmpfs", "/tmp", *_system_mounts(), "--proc", "/proc", "--dev", "/dev"]
    for path in readonly:
        args += ["--ro-bind", str(path), str(path)]
    for path in hidden:
        if path.is_dir():
            args += ["--tmpfs", str(path)]
        elif path.exists():
            args += ["--ro-bind", "/dev/null", str(path)]
    # The root of the sandbox (where bwrap made the mount points) is read-only too, so the work
    # folder and /tmp are the only places it can write.
    args += ["--bind", str(workdir), str(workdir), "--remount-ro", "/", "--chdir", str(workdir)]
    for key, value in {**CHILD_ENV, "HOME": str(workdir), "PATH": "/usr/bin:/bin",
                       "PYTHONPYCACHEPREFIX": "/tmp/pycache"}.items():
        args += ["--setenv", key, value]
    return [*args, "--", *command]
