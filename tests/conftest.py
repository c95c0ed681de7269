"""Shared test fixtures.

PyTorch is optional for users: parity tests skip with a printed reason when it is absent.
Under CI=true it is required (CI installs it), so a missing torch fails instead of skipping.
"""

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from prerequisites import skip_or_fail

# One BLAS thread, as `make test` already asks through OPENBLAS_NUM_THREADS: a matrix product
# split over threads sums in another order, so a bare `pytest` on a many-core machine would
# otherwise compute other last bits than the same tests under make. (Setting the variable here
# would be too late: numpy is loaded.)
threadpool_limits(1)

try:
    import torch as _torch
except ImportError:  # pragma: no cover - depends on the environment
    _torch = None

TORCH_MISSING = (
    "PyTorch is not installed, so parity tests against torch.nn cannot run. "
    "Install it with `.venv/bin/pip install torch==2.13.0` (make test does so when CI=true)."
)


@pytest.fixture
def torch():
    """The torch module; skips (or fails under CI=true) when PyTorch is absent."""
    if _torch is None:
        skip_or_fail(TORCH_MISSING)
    _torch.set_default_dtype(_torch.float64)
    return _torch


@pytest.fixture
def rng():
    """A fresh seeded generator: tests are reproducible bit for bit."""
    return np.random.default_rng(0)
