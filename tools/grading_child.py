"""The child half of sandboxed grading: runs a learner's notebook cells, never judges them.

``tools/grade.py`` starts this script inside bubblewrap (see ``tools/grading_sandbox.py``) and drives it
over a pipe. The child executes the notebook's cells one at a time in its own namespace and,
on request, calls the learner's functions on arguments the grader sends. Results travel back
as *data* only (numpy arrays through ``np.save(allow_pickle=False)``, numbers, strings,
tuples, lists, dicts, generator states); anything else stays here and is sent as a numbered
handle that the grader can call, iterate or index, always through this process.

So a learner's code runs only here: it can patch ``rnnlab.checks``, otter or builtins in this
process as much as it likes, and the checks that decide the score (in the grader, loaded before
any learner code ran) never see the patch. At worst it can make its own functions' results
wrong, which it could do anyway.

The wire format (also imported by the grader): each message is 8 bytes of big-endian length
followed by that many bytes of UTF-8 JSON.
"""
from __future__ import annotations

import base64
import io
import json
import linecache
import os
import resource
import struct
import sys
import traceback

import numpy as np

MAX_MESSAGE = 256 * 2**20  # bytes; a larger message means a broken or hostile peer
PLAIN = (bool, int, float, str)


class WireError(Exception):
    """The other side sent something that is not a message of this protocol (or went away)."""


def send(fd: int, message: dict) -> None:
    data = json.dumps(message).encode("utf-8")
    data = struct.pack(">Q", len(data)) + data
    while data:
        written = os.write(fd, data)
        data = data[written:]


def read_exactly(fd: int, n: int) -> bytes:
    chunks, left = [], n
    while left:
        chunk = os.read(fd, min(left, 2**20))
        if not chunk:
            raise WireError("the other side closed the pipe")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def receive(fd: int) -> dict:
    (length,) = struct.unpack(">Q", read_exactly(fd, 8))
    if length > MAX_MESSAGE:
        raise WireError(f"a message of {length} bytes (more than {MAX_MESSAGE})")
    try:
        message = json.loads(read_exactly(fd, length).decode("utf-8"))
    except (ValueError, RecursionError) as exc:
        raise WireError(f"not a JSON message: {exc}") from exc
    if not isinstance(message, dict):
        raise WireError("a message that is not a JSON object")
    return message


def _npy(array: np.ndarray) -> str:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _from_npy(text: str) -> np.ndarray:
    return np.load(io.BytesIO(base64.b64decode(text)), allow_pickle=False)


def encode(value, export) -> dict:
    """Data as data; anything else as ``export(value)`` (a handle the other side can use)."""
    kind = type(value)
    if value is None:
        return {"t": "none"}
    if value is Ellipsis:
        return {"t": "ellipsis"}
    if kind in PLAIN:
        return {"t": "py", "v": value}
    if kind is np.ndarray and value.dtype.kind in "biufcSU":
        return {"t": "nd", "b": _npy(value)}
    if isinstance(value, np.generic) and value.dtype.kind in "biufc":
        return {"t": "np0", "b": _npy(np.asarray(value))}
    if kind in (tuple, list):
        return {"t": kind.__name__, "v": [encode(v, export) for v in value]}
    if kind is dict and all(type(k) in PLAIN for k in value):
        return {"t": "dict", "k": list(value), "v": [encode(v, export) for v in value.values()]}
    if kind is np.random.Generator:
        return {"t": "rng", "s": value.bit_generator.state}
    return export(value)


def decode(message, resolve):
    """The inverse of :func:`encode`; ``resolve(message)`` turns a handle into an object."""
    if not isinstance(message, dict):
        raise WireError(f"an encoded value that is not an object: {type(message).__name__}")
    kind = message.get("t")
    if kind == "none":
        return None
    if kind == "ellipsis":
        return Ellipsis
    if kind == "py":
        value = message.get("v")
        if type(value) not in PLAIN:
            raise WireError("a plain value of the wrong type")
        return value
    if kind == "nd":
        return _from_npy(message["b"])
    if kind == "np0":
        return _from_npy(message["b"])[()]
    if kind in ("tuple", "list"):
        items = [decode(v, resolve) for v in message["v"]]
        return tuple(items) if kind == "tuple" else items
    if kind == "dict":
        return {k: decode(v, resolve) for k, v in zip(message["k"], message["v"])}
    if kind == "rng":
        state = message["s"]
        generator = getattr(np.random, str(state["bit_generator"]))()
        generator.state = state
        return np.random.Generator(generator)
    if kind in ("obj", "back"):
        return resolve(message)
    raise WireError(f"unknown encoded type {kind!r}")


# ---- the child process -------------------------------------------------------------------

class Child:
    """Holds the learner's namespace and the objects handed to the grader by number."""

    def __init__(self, rfd: int, wfd: int):
        self.rfd, self.wfd = rfd, wfd
        self.env: dict = {"__name__": "__main__"}
        self.objects: dict[int, object] = {}
        self.transformer = None

    def export(self, value) -> dict:
        number = len(self.objects) + 1
        self.objects[number] = value
        name = getattr(value, "__name__", None)
        return {"t": "obj", "id": number, "callable": callable(value),
                "name": name if isinstance(name, str) else None}

    def resolve(self, message: dict):
        if message["t"] == "back":  # one of ours, coming back
            return self.objects[int(message["id"])]
        return ParentFunction(self, int(message["id"]), message.get("name"))

    def enc(self, value) -> dict:
        return encode(value, self.export)

    def dec(self, message):
        return decode(message, self.resolve)

    # The learner's code may raise anything, SystemExit and KeyboardInterrupt included: each is
    # reported as a result, so it cannot stop the child (os._exit can; the grader notices).
    def run_cell(self, index: int, source: str) -> dict:
        if self.transformer is None:
            from IPython.core.inputtransformer2 import TransformerManager
            self.transformer = TransformerManager()
        filename = f"<cell {index}>"
        try:
            code = self.transformer.transform_cell(source)
            linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
            exec(compile(code, filename, "exec"), self.env)
        except BaseException as exc:  # noqa: BLE001 - see above
            return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:500],
                    "where": where(exc)}
        return {"ok": True}

    def names(self, names: list[str]) -> dict:
        values = {}
        for name in names:
            if name in self.env:
                values[name] = self.enc(self.env[name])
        return {"values": values}

    def operate(self, request: dict) -> dict:
        target = self.objects[int(request["id"])]
        args = [self.dec(a) for a in request.get("args", [])]
        kwargs = {k: self.dec(v) for k, v in request.get("kwargs", {}).items()}
        op = request["op"]
        try:
            if op == "call":
                result = target(*args, **kwargs)
            elif op == "iter":
                result = iter(target)
            elif op == "next":
                try:
                    result = next(target)
                except StopIteration:
                    return {"stop": True}
            elif op == "getitem":
                result = target[args[0]]
            elif op == "len":
                result = len(target)
            elif op == "getattr":
                result = getattr(target, str(args[0]))
            else:
                return {"raised": "ValueError", "msg": f"unknown operation {op!r}", "where": ""}
        except BaseException as exc:  # noqa: BLE001 - the learner's function raised
            return {"raised": type(exc).__name__, "msg": str(exc)[:2000], "where": where(exc)}
        # The arguments after the call, so the grader can see what was changed in place.
        return {"value": self.enc(result), "after": [self.enc(a) for a in args],
                "after_kw": {k: self.enc(v) for k, v in kwargs.items()}}

    def serve(self, until_reply: bool = False) -> dict | None:
        """Answer requests; with ``until_reply``, return the first reply (to a callback)."""
        while True:
            request = receive(self.rfd)
            op = request.get("op")
            if op == "reply":
                if until_reply:
                    return request
                continue
            if op == "exec":
                answer = self.run_cell(int(request["index"]), str(request["source"]))
            elif op == "names":
                answer = self.names([str(n) for n in request["names"]])
            elif op == "quit":
                return None
            else:
                answer = self.operate(request)
            send(self.wfd, {"op": "reply", **answer})


class ParentFunction:
    """A grader-side function passed to the learner's code (a model's step function)."""

    def __init__(self, child: Child, number: int, name: str | None):
        self.child, self.number = child, number
        self.__name__ = name or "function"

    def __call__(self, *args, **kwargs):
        child = self.child
        send(child.wfd, {"op": "callback", "id": self.number,
                         "args": [child.enc(a) for a in args],
                         "kwargs": {k: child.enc(v) for k, v in kwargs.items()}})
        reply = child.serve(until_reply=True)
        if "raised" in reply:
            raise RuntimeError(f"{reply['raised']}: {reply.get('msg', '')}")
        return child.dec(reply["value"])


def where(exc: BaseException) -> str:
    """The learner's line where ``exc`` was raised: ``line 3 of f (cell 5): da = dh @ W``."""
    found = ""
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        filename = frame.f_code.co_filename
        if filename.startswith("<cell "):
            line = linecache.getline(filename, lineno).strip()
            found = (f"line {lineno} of {frame.f_code.co_name} ({filename[1:-1]})"
                     + (f": {line}" if line else ""))
    return found


def main() -> None:
    # The protocol uses private copies of stdin and stdout; the learner's prints go to a file
    # in the work folder (its size is capped by RLIMIT_FSIZE, set by the grader).
    # Limits first, before any learner code: memory, file size (caps the output log and any
    # file written), no core dumps. A process cannot raise its own hard limits again.
    memory, file_size = (int(v) for v in sys.argv[1:3])
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    rfd, wfd = os.dup(0), os.dup(1)
    log = os.open("output.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(log, 1)
    os.dup2(log, 2)
    sys.argv = ["notebook"]
    try:
        Child(rfd, wfd).serve()
    except WireError:
        pass


if __name__ == "__main__":
    main()
