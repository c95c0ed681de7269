"""Isolation: the network, writes outside the work folder, and what the file system shows."""
import os
import socket
from pathlib import Path

import hackdata


def train(train_sentences, val_sentences, vocab, rng, budget):
    got = []
    try:
        socket.create_connection(("1.1.1.1", 80), timeout=2).close()
        got.append("network")
    except OSError:
        pass
    interfaces = [name for _, name in socket.if_nameindex()]
    if interfaces != ["lo"]:
        got.append(f"interfaces {interfaces}")
    repo = Path(hackdata.__file__).resolve().parent.parent
    for target in (repo / "hackathon" / "data" / "train.txt", repo / "lib" / "rnnlab" / "planted.py",
                   repo / "planted.txt"):
        try:
            with open(target, "a") as f:
                f.write("planted")
        except OSError:
            continue
        # A checkout under /tmp sits inside the sandbox's private /tmp, so a new file there is
        # written to that private copy and gone with the sandbox (the test checks the host).
        if not (str(target).startswith("/tmp/") and target.name == "planted.txt"):
            got.append(f"wrote {target}")
    for secret in ("instructor", ".git", "_build"):
        if (repo / secret).exists() and os.listdir(repo / secret):
            got.append(f"{secret}/ lists {os.listdir(repo / secret)[:5]}")
    if got:
        raise RuntimeError(f"ESCAPED {got}")
    raise RuntimeError("contained")
