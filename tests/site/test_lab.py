"""The local route: `make lab` opens JupyterLab with the library, the grader and the widgets.

Runs the README's command itself (``make lab`` with LAB_ARGS for a headless server on a free
port of 127.0.0.1 and a known token), waits for the server, then checks what a learner relies
on: the JupyterLab page is served, the widgets and jupytext extensions are installed, the
kernel it offers (python3 of .venv) imports rnnlab, otter and ipywidgets, and an exercise
notebook opens through the server's contents API. The server is stopped at the end.
Skipped (failed under CI=true) when the lab environment is not installed
(`make .venv/.lab-installed`; `make test` installs it).
"""
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from site_helpers import ROOT, skip_or_fail

pytestmark = pytest.mark.slow
VENV_BIN = ROOT / ".venv" / "bin"
TOKEN = "rnn-lab-test"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Authorization": f"token {TOKEN}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.read().decode("utf-8", "replace")


@pytest.fixture(scope="module")
def lab_server(tmp_path_factory):
    """`make lab` serving on 127.0.0.1; yields its base URL."""
    if not (ROOT / ".venv" / ".lab-installed").exists():
        skip_or_fail("the lab environment is not installed: run `make .venv/.lab-installed`")
    port = free_port()
    home = tmp_path_factory.mktemp("lab-home")  # no user settings or runtime files leak in
    env = {**os.environ, "HOME": str(home), "JUPYTER_RUNTIME_DIR": str(home / "runtime")}
    args = (f"--no-browser --ip=127.0.0.1 --port={port} --ServerApp.port_retries=0 "
            f"--IdentityProvider.token={TOKEN}")
    if os.geteuid() == 0:  # CI containers run as root; Jupyter refuses that unless told
        args += " --allow-root"
    log = open(home / "lab.log", "w")
    server = subprocess.Popen(["make", "--no-print-directory", "lab", f"LAB_ARGS={args}"],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                              start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if get(f"{base}/api/status")[0] == 200:
                    break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail("`make lab` did not serve JupyterLab within 90 s:\n"
                            + (home / "lab.log").read_text()[-3000:])
            time.sleep(1)
        yield base
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)  # make and the jupyter server it started
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
        log.close()


def test_make_lab_serves_jupyterlab(lab_server):
    status, page = get(f"{lab_server}/lab")
    assert status == 200 and "JupyterLab" in page


def test_the_lab_has_the_widgets_and_jupytext_extensions():
    listing = subprocess.run([str(VENV_BIN / "jupyter"), "labextension", "list"],
                             capture_output=True, text=True, cwd=ROOT)
    text = listing.stdout + listing.stderr
    for extension in ("@jupyter-widgets/jupyterlab-manager", "jupyterlab-jupytext"):
        assert extension in text, f"{extension} is not installed in .venv's JupyterLab:\n{text}"


def test_the_lab_kernel_has_the_library_the_grader_and_widgets(lab_server):
    _, specs = get(f"{lab_server}/api/kernelspecs")
    spec = json.loads(specs)["kernelspecs"]["python3"]["spec"]
    python = spec["argv"][0]
    if python in ("python", "python3"):  # the default spec: the server's own interpreter
        python = str(VENV_BIN / "python")
    assert Path(python).resolve().parent == VENV_BIN.resolve() or python == sys.executable, python
    done = subprocess.run([python, "-c", "import rnnlab, otter, ipywidgets; print('ok')"],
                          capture_output=True, text=True)
    assert done.stdout.strip() == "ok", done.stderr


def test_an_exercise_opens_through_the_lab(lab_server):
    _, body = get(f"{lab_server}/api/contents/exercises/ex01-rnn.ipynb")
    nb = json.loads(body)
    assert nb["type"] == "notebook" and nb["content"]["metadata"]["otter"]["tests"]
