"""The grader's half of sandboxed grading: a child process that runs learner code, and proxies.

Why this shape: a check's verdict must be computed where the checked code cannot reach it. So
the grader never executes a learner's code. It starts ``tools/grading_child.py`` inside
bubblewrap, sends it the notebook's cells one at a time, and gives the hidden tests (which run
here, with ``rnnlab.checks`` and otter imported here) :class:`Remote` stand-ins for the learner's
functions. Calling a stand-in sends the arguments to the child as data, the child calls the
learner's function, and the result comes back as data (``grading_child.encode``: arrays via
``allow_pickle=False``, never pickles or code). A learner who patches ``rnnlab.checks``, otter
or builtins patches the child's copies, which judge nothing.

The sandbox (:func:`bwrap_command`): no network (``--unshare-all``), its own PID namespace,
``--die-with-parent``; read-only system folders, Python, the virtual environment and the
library; the only writable folder is the submission's own fresh temporary folder (plus a
private ``/tmp``). The repository (``solutions/``, ``instructor/``), the hidden tests (never
written where the child can see them) and the other submissions are not mounted at all.
Every request has a time limit enforced here, by killing the child: a learner's
``try: ... except: continue`` cannot swallow it. The limit counts the CPU time of the child (read
from ``/proc``), not the wall clock, so a loaded machine does not turn a slow but correct cell
into a skipped one; a much larger wall-clock limit (``WALL_FACTOR`` times the CPU limit) stops
a child that waits instead of computing (``time.sleep``, a blocked read). Without ``/proc``
(not Linux) the limit is on the wall clock.
"""
from __future__ import annotations

import importlib.util
import os
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

TOOLS = Path(__file__).resolve().parent
CHILD = TOOLS / "grading_child.py"
# Not -I, which would ignore the PYTHONPATH that names the mounted library: -s (no user site),
# -P (the child's own folder not on the path) and -B (no .pyc written); the environment is the
# grader's own list (Sandbox.__init__).
CHILD_FLAGS = ("-s", "-P", "-B")


def _load_wire():
    spec = importlib.util.spec_from_file_location("rnnlab_grading_wire", CHILD)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


wire = _load_wire()


class ChildGone(Exception):
    """The child ended (os._exit, a crash, memory) or broke the protocol."""


class ChildTimeout(Exception):
    """The child did not answer in time; it has been killed.

    ``cpu``: True when it used up its CPU-time limit, False when it hit the wall-clock
    backstop (it was waiting, not computing) or the wall-clock limit where CPU time cannot be
    read; ``seconds``: the limit it ran into.
    """

    def __init__(self, cpu: bool = False, seconds: float = 0.0):
        super().__init__(f"no answer within {seconds:g} s" + (" of CPU time" if cpu else ""))
        self.cpu, self.seconds = cpu, seconds

    def within(self) -> str:
        """``within 5 s of CPU time`` / ``within 50 s``: for the grader's messages."""
        return f"within {self.seconds:g} s" + (" of CPU time" if self.cpu else "")


# A request may run WALL_FACTOR times its CPU-time limit on the wall clock (plus WALL_SLACK
# seconds for the child's start) before the child is stopped anyway. How often the child's CPU
# time is read while waiting for its answer:
WALL_FACTOR = 10.0
WALL_SLACK = 30.0
POLL_SECONDS = 0.05
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _children(pid: int) -> list[int]:
    """The direct children of ``pid`` (Linux ``/proc``)."""
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as handle:
                found += [int(c) for c in handle.read().split()]
    except OSError:
        pass
    return found


def process_tree_cpu(pid: int) -> float | None:
    """CPU seconds (user + system, with reaped children) used by ``pid`` and its descendants.

    None where ``/proc`` cannot tell (not Linux). Under bubblewrap ``pid`` is bwrap itself,
    whose descendants run the learner's code.
    """
    if not os.path.exists(f"/proc/{pid}/stat"):
        return None
    total, todo, seen = 0, [pid], set()
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            with open(f"/proc/{current}/stat", encoding="ascii", errors="replace") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # it has just ended: its time is in its parent's cutime now
        # After the ")" of the command name: state is field 3, utime..cstime are 14..17.
        total += sum(int(v) for v in fields[11:15])
        todo += _children(current)
    return total / _TICKS


class StudentError(Exception):
    """An exception raised by the learner's code in the child, re-raised here by type name."""


_error_types: dict[str, type] = {}


def student_error(name: str, message: str) -> StudentError:
    """A :class:`StudentError` whose class is named like the learner's (``ValueError``), so
    that ``rnnlab.checks`` reports ``raised ValueError: ...`` as it does in a notebook."""
    name = name if name.isidentifier() else "Exception"
    if name not in _error_types:
        _error_types[name] = type(name, (StudentError,), {})
    return _error_types[name](message)


def bwrap_available() -> bool:
    return shutil.which("bwrap") is not None


def _system_binds() -> list[str]:
    args = []
    for top in ("/usr", "/bin", "/lib", "/lib32", "/lib64", "/sbin", "/etc"):
        path = Path(top)
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), top]
        elif path.exists():
            args += ["--ro-bind", top, top]
    return args


def library_folder() -> Path:
    """The folder holding the ``rnnlab`` package the grader imported (``lib/`` when editable).

    The child's PYTHONPATH is this folder alone (its environment is the grader's own list, so
    nothing of the caller's leaks in): the learner's code imports the very library that the
    grader's checks come from, and the one that is mounted, even when the grader found it
    through PYTHONPATH rather than the virtual environment.
    """
    import rnnlab

    return Path(rnnlab.__file__).resolve().parent.parent


def bwrap_command(work: Path, limits: list[str]) -> list[str]:
    """The bubblewrap command line that runs the child with ``work`` as its only writable folder.

    Mounted read-only: system folders, the Python installation, the virtual environment and
    the folder holding the ``rnnlab`` package (``lib/`` for the editable install). Nothing else
    of the host, in particular not the repository root, /work, /home or the submissions.
    """
    readonly = {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve(), library_folder()}
    args = ["bwrap", "--die-with-parent", "--new-session", "--unshare-all",
            # A private /tmp first: mounted after the binds, it would hide a checkout or a
            # venv that lives under /tmp (bwrap applies its mounts in order).
            "--tmpfs", "/tmp", *_system_binds()]
    for path in sorted(readonly):
        if not str(path).startswith("/usr/"):
            args += ["--ro-bind", str(path), str(path)]
    args += ["--proc", "/proc", "--dev", "/dev",
             "--dir", "/opt/grader", "--ro-bind", str(CHILD), "/opt/grader/child.py",
             "--bind", str(work), "/home/learner", "--chdir", "/home/learner",
             "--remount-ro", "/",
             sys.executable, *CHILD_FLAGS, "/opt/grader/child.py", *limits]
    return args


class Sandbox:
    """One child process running one notebook's cells; requests with a time limit each."""

    def __init__(self, work: Path, *, isolate: bool = True, memory_mb: int = 4096,
                 output_mb: int = 16):
        self.work = work
        env = {"PATH": "/usr/bin:/bin", "HOME": "/home/learner" if isolate else str(work),
               "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
               "MPLBACKEND": "Agg", "MPLCONFIGDIR": "/tmp/matplotlib", "LANG": "C.UTF-8",
               "PYTHONHASHSEED": "0", "PYTHONPATH": str(library_folder())}
        limits = [str(memory_mb * 2**20), str(output_mb * 2**20)]  # set by the child itself
        if isolate:
            command = bwrap_command(work, limits)
        else:  # no filesystem isolation: only for machines without bubblewrap, by request
            env["MPLCONFIGDIR"] = str(work / ".matplotlib")
            command = [sys.executable, *CHILD_FLAGS, str(CHILD), *limits]
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            cwd=work, env=env, start_new_session=True)  # no preexec_fn: we run in threads
        self.wfd, self.rfd = self.process.stdin.fileno(), self.process.stdout.fileno()
        self.exported: dict[int, object] = {}
        self.alive = True

    # ---- lifetime
    def kill(self) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            try:
                stream.close()
            except OSError:
                pass
        self.alive = False

    def close(self) -> None:
        if self.alive:
            try:
                wire.send(self.wfd, {"op": "quit"})
                self.process.wait(timeout=2)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self.kill()

    # ---- codec, grader side
    def export(self, value) -> dict:
        if isinstance(value, Remote) and value._sandbox is self:
            return {"t": "back", "id": value._id}
        if not callable(value):
            raise TypeError(f"cannot send a {type(value).__name__} to the learner's code")
        number = len(self.exported) + 1
        self.exported[number] = value
        name = getattr(value, "__name__", None)
        return {"t": "obj", "id": number, "name": name if isinstance(name, str) else None}

    def resolve(self, message: dict):
        if message["t"] == "back":
            return self.exported[int(message["id"])]
        number = int(message["id"])
        cls = RemoteFunction if message.get("callable") else Remote
        return cls(self, number, message.get("name"))

    def enc(self, value) -> dict:
        return wire.encode(value, self.export)

    def dec(self, message):
        return wire.decode(message, self.resolve)

    # ---- requests
    def cpu_seconds(self) -> float | None:
        """CPU seconds the child has used so far (None where they cannot be read)."""
        return process_tree_cpu(self.process.pid)

    def _receive(self, cpu_limit: float, cpu_start: float | None, wall: float,
                 deadline: float) -> dict:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                self.kill()
                raise ChildTimeout(cpu=False, seconds=wall)
            ready, _, _ = select.select([self.rfd], [], [], min(left, POLL_SECONDS))
            if ready:
                try:
                    return wire.receive(self.rfd)
                except (wire.WireError, OSError, ValueError) as exc:
                    self.kill()
                    raise ChildGone(str(exc)) from exc
            used = self.cpu_seconds() if cpu_start is not None else None
            if used is not None and used - cpu_start > cpu_limit:
                self.kill()
                raise ChildTimeout(cpu=True, seconds=cpu_limit)

    def request(self, message: dict, timeout: float, wall: float | None = None) -> dict:
        """Send one request; answer the child's callbacks meanwhile; return the reply.

        ``timeout``: the CPU seconds the child may use for it; ``wall``: the wall-clock
        seconds it may take (default ``WALL_FACTOR * timeout + WALL_SLACK``). Where CPU time
        cannot be read, ``timeout`` limits the wall clock instead.
        """
        if not self.alive:
            raise ChildGone("the notebook's process had already ended")
        cpu_start = self.cpu_seconds()
        if cpu_start is None:
            wall = timeout if wall is None else min(wall, timeout)
        elif wall is None:
            wall = WALL_FACTOR * timeout + WALL_SLACK
        deadline = time.monotonic() + wall
        try:
            wire.send(self.wfd, message)
        except OSError as exc:
            self.kill()
            raise ChildGone(str(exc)) from exc
        while True:
            reply = self._receive(timeout, cpu_start, wall, deadline)
            if reply.get("op") == "callback":
                self._answer_callback(reply)
                continue
            if reply.get("op") != "reply":
                self.kill()
                raise ChildGone("the child broke the protocol")
            return reply

    def _answer_callback(self, request: dict) -> None:
        try:
            function = self.exported[int(request["id"])]
            args = [self.dec(a) for a in request.get("args", [])]
            kwargs = {k: self.dec(v) for k, v in request.get("kwargs", {}).items()}
            answer = {"value": self.enc(function(*args, **kwargs))}
        except Exception as exc:  # noqa: BLE001 - reported to the learner's code as an error
            answer = {"raised": type(exc).__name__, "msg": str(exc)}
        wire.send(self.wfd, {"op": "reply", **answer})

    def run_cell(self, index: int, source: str, timeout: float,
                 wall: float | None = None) -> dict:
        """Run one cell: ``timeout`` CPU seconds, ``wall`` wall-clock seconds at most."""
        return self.request({"op": "exec", "index": index, "source": source}, timeout, wall)

    def names(self, names: list[str], timeout: float = 30.0) -> dict:
        reply = self.request({"op": "names", "names": list(names)}, timeout)
        return {k: self.dec(v) for k, v in reply.get("values", {}).items()}

    # Set by the grader per question: how long one call of a learner's function may run.
    call_timeout = 10.0

    def operate(self, number: int, op: str, args=(), kwargs=None, what: str = "the function"):
        from rnnlab.checks import CheckFailed

        message = {"op": op, "id": number, "args": [self.enc(a) for a in args],
                   "kwargs": {k: self.enc(v) for k, v in (kwargs or {}).items()}}
        try:
            reply = self.request(message, self.call_timeout)
        except ChildTimeout as stopped:
            raise CheckFailed(
                f"{what} did not finish {stopped.within()}: is there an infinite "
                "loop (e.g. a while loop whose condition never changes)?") from None
        except ChildGone:
            raise CheckFailed(
                f"{what} ended the notebook's process (os._exit, a crash or too much memory?)"
            ) from None
        if "raised" in reply:
            error = student_error(str(reply["raised"]), str(reply.get("msg", "")))
            error.learner_line = str(reply.get("where", ""))  # rnnlab.checks quotes it
            raise error
        if reply.get("stop"):
            raise StopIteration
        for before, after in zip(args, reply.get("after", [])):
            _write_back(before, self.dec(after))
        for key, after in reply.get("after_kw", {}).items():
            if key in (kwargs or {}):
                _write_back(kwargs[key], self.dec(after))
        return self.dec(reply["value"])


def _write_back(before, after) -> None:
    """Copy the learner's in-place changes of an argument onto the grader's argument, so that
    ``rnnlab.checks`` sees (and reports) a function that modifies its inputs."""
    if isinstance(before, np.ndarray) and isinstance(after, np.ndarray):
        if (before.shape == after.shape and before.flags.writeable
                and not np.array_equal(before, after, equal_nan=before.dtype.kind in "fc")):
            before[...] = after
    elif isinstance(before, dict) and isinstance(after, dict):
        for key in list(before):
            if key not in after:
                del before[key]
            elif isinstance(before[key], (np.ndarray, dict, list)):
                _write_back(before[key], after[key])
            else:
                before[key] = after[key]
        for key in after:
            if key not in before:
                before[key] = after[key]
    elif isinstance(before, list) and isinstance(after, list):
        if len(before) != len(after):
            before[:] = after
        else:
            for i, (b, a) in enumerate(zip(before, after)):
                if isinstance(b, (np.ndarray, dict, list)):
                    _write_back(b, a)
                else:
                    before[i] = a
    elif isinstance(before, np.random.Generator) and isinstance(after, np.random.Generator):
        before.bit_generator.state = after.bit_generator.state


class Remote:
    """An object that lives in the child (a learner's cache, iterator, ...), used from here."""

    def __init__(self, sandbox: Sandbox, number: int, name: str | None):
        self._sandbox, self._id = sandbox, number
        self.__name__ = name or "the learner's object"

    def _op(self, op, *args):
        return self._sandbox.operate(self._id, op, args, what=self.__name__)

    def __iter__(self):
        return self._op("iter")

    def __next__(self):
        return self._op("next")

    def __getitem__(self, key):
        return self._op("getitem", key)

    def __len__(self):
        value = self._op("len")
        if type(value) is not int:
            raise TypeError("__len__ of the learner's object did not return an int")
        return value

    def __getattr__(self, name):
        if name.startswith("__"):  # numpy and copy probe dunders; none of them lives remotely
            raise AttributeError(name)
        return self._op("getattr", name)

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def __repr__(self):
        return f"<{self.__name__} in the learner's notebook>"


class RemoteFunction(Remote):
    """A learner's function: calling it calls it in the child, on copies of the arguments."""

    def __call__(self, *args, **kwargs):
        return self._sandbox.operate(self._id, "call", args, kwargs, what=f"{self.__name__}(...)")
