"""Every public name of rnnlab is documented, and array arguments come with their shapes.

The issue asks that "every public function has a docstring with shapes" (the book's API
reference page is generated from these docstrings). This test walks the ``__all__`` of every
public module, and for every public function, class, method and property checks:

* a docstring exists (own docstring for functions and classes; a method overriding a documented
  base method may inherit it, as Sphinx's autodoc shows it);
* a callable taking an array argument (see ``ARRAY_PARAMS``) mentions a shape in its docstring:
  a parenthesised shape in dimension letters such as ``(N, T, D)``, ``(V,)``, ``(4H,)``,
  ``(L*dirs, N, H)``, ``(..., D)``, or the word "shape". For a class, the shapes of its
  constructor's array arguments belong in the class docstring.

Module-level constants (``OPTIMIZERS``, ``DEFAULT_SPECIALS``...) are not checked: Python gives
them no docstring of their own. ``test_checker_catches_*`` shows the checker failing on a
dummy module, so a green run means something.
"""
from __future__ import annotations

import importlib
import inspect
import re
import types

import pytest

MODULES = [
    "rnnlab.functional",
    "rnnlab.gradcheck",
    "rnnlab.layers",
    "rnnlab.sampling",
    "rnnlab.model",
    "rnnlab.optim",
    "rnnlab.data",
    "rnnlab.train",
    "rnnlab.keras",
    "rnnlab.plots",
    "rnnlab.checks",
]

# Argument names that hold arrays (or lists/dicts of arrays) in rnnlab's conventions.
ARRAY_PARAMS = frozenset(
    "x xs y a b h_prev h0 c_prev c0 h_next c_next hs cs W_x W_h b_x b_h dh_next dc_next dhs "
    "dout dc_last ids logits targets mask prompt_ids gates norms kernel recurrent_kernel bias "
    "inputs hx grads weights got expected".split()
)

# One dimension token: a letter with an optional factor and suffix (N, 4H, T_i, L*dirs) or a size.
_DIM = r"(?:\d*[A-Z]\d*(?:_\w+|\*\w+)?|\d+)"
SHAPE_PATTERN = re.compile(rf"\(\s*{_DIM}\s*[,)]|\(\.\.\.|\bshapes?\b")

# Public callables whose array arguments have no fixed shape, so no shape can be written down.
_GENERIC = "checks any function's arrays, whatever their shapes"
SHAPE_EXEMPT = {
    "rnnlab.gradcheck.relative_error": "compares two arrays of any (equal) shape",
    "rnnlab.gradcheck.check_gradients": _GENERIC,
    "rnnlab.checks.check_function": _GENERIC,
    "rnnlab.checks.check_outputs": _GENERIC,
    "rnnlab.checks.check_backward": _GENERIC,
}

def _own_doc(obj) -> str:
    """The object's own docstring ('' when it has none; inheritance is not followed)."""
    doc = getattr(obj, "__doc__", None)
    return inspect.cleandoc(doc) if isinstance(doc, str) else ""


def _array_params(fn) -> list[str]:
    """Names of ``fn``'s parameters that hold arrays (empty when there is no signature)."""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return []
    return [p for p in params if p in ARRAY_PARAMS]


def _members(cls) -> list[tuple[str, object, str]]:
    """Public methods and properties of ``cls``, inherited ones included (a public class's page
    shows them), but not those of Python's own bases (``object``, ``tuple``, ``abc.ABC``) or of
    other packages (``torch.nn.Module``): (name, function, docstring)."""
    package = cls.__module__.split(".")[0]
    out = []
    for name in dir(cls):
        if name.startswith("_"):
            continue
        owner = next((k for k in cls.__mro__ if name in vars(k)), None)
        if owner is None or owner.__module__.split(".")[0] != package:
            continue
        attr = vars(owner)[name]
        if isinstance(attr, property):
            out.append((name, attr.fget, _own_doc(attr)))
        elif isinstance(attr, (staticmethod, classmethod)):
            out.append((name, attr.__func__, inspect.getdoc(attr.__func__) or ""))
        elif inspect.isfunction(attr):
            # getattr(cls, name) lets inspect.getdoc follow an overridden base method's docstring.
            out.append((name, attr, inspect.getdoc(getattr(cls, name)) or ""))
    return out


def docstring_problems(module: types.ModuleType) -> dict[str, str]:
    """``{qualified name: problem}`` for every public name of ``module`` that breaks the rules."""
    problems: dict[str, str] = {}
    prefix = module.__name__
    seen: set[int] = set()  # a method inherited by several public classes is reported once

    def check(qualname: str, fn, doc: str) -> None:
        if id(fn) in seen:
            return
        seen.add(id(fn))
        if not doc.strip():
            problems[qualname] = "no docstring"
            return
        arrays = _array_params(fn) if fn is not None else []
        if arrays and qualname not in SHAPE_EXEMPT and not SHAPE_PATTERN.search(doc):
            problems[qualname] = f"takes arrays {arrays} but its docstring gives no shape"

    for name in getattr(module, "__all__", None) or []:
        obj = getattr(module, name)
        qualname = f"{prefix}.{name}"
        if inspect.isclass(obj):
            # A class's constructor arguments are documented in the class docstring.
            check(qualname, obj, _own_doc(obj))
            for member, fn, doc in _members(obj):
                check(f"{qualname}.{member}", fn, doc)
        elif callable(obj):
            check(qualname, obj, _own_doc(obj))
    if getattr(module, "__all__", None) is None:
        problems[prefix] = "no __all__ (the public names are not declared)"
    return problems


def _assert_clean(module_name: str) -> None:
    module = importlib.import_module(module_name)
    problems = docstring_problems(module)
    assert not problems, "undocumented public API:\n" + "\n".join(
        f"  {k}: {v}" for k, v in problems.items())


@pytest.mark.parametrize("module_name", MODULES)
def test_public_api_is_documented_with_shapes(module_name):
    _assert_clean(module_name)


def test_torch_interop_is_documented_with_shapes(torch):
    _assert_clean("rnnlab.torch_interop")


def test_every_module_is_walked():
    """Each module listed in the package docstring's module map is checked above."""
    import rnnlab

    walked = {m.rsplit(".", 1)[1] for m in MODULES} | {"torch_interop"}
    mapped = set(re.findall(r"^    ([a-z_]+)\s{2,}", rnnlab.__doc__, flags=re.M)) - {"_validate"}
    assert len(mapped) >= 10, f"the module map was not found in rnnlab's docstring: {mapped}"
    assert mapped <= walked, f"public modules not checked: {sorted(mapped - walked)}"


# ------------------------------------------------------------------ the checker itself can fail


def _dummy_module() -> types.ModuleType:
    """A module with one correct and several faulty public names."""
    source = '''
__all__ = ["good", "bare", "shapeless", "Thing", "Quiet"]

def good(xs, h0):
    """Run it.

    Args:
        xs: (N, T, D) inputs.
        h0: (N, H) initial state.
    """

def bare(x):
    pass

def shapeless(logits, temperature=1.0):
    """Turn logits into probabilities."""

class Thing:
    """A thing with a documented method and an undocumented one."""

    def forward(self, ids):
        """ids (N, T) -> (N, T, E)."""

    def backward(self, dout):
        return dout

    @property
    def size(self):
        return 3

class Quiet:
    def __init__(self, weights):
        self.weights = weights
'''
    module = types.ModuleType("dummy")
    exec(compile(source, "dummy", "exec"), module.__dict__)
    return module


def test_checker_catches_missing_docstrings_and_shapes():
    problems = docstring_problems(_dummy_module())
    assert set(problems) == {
        "dummy.bare",
        "dummy.shapeless",
        "dummy.Thing.backward",
        "dummy.Thing.size",
        "dummy.Quiet",
    }
    assert problems["dummy.bare"] == "no docstring"
    assert "['logits']" in problems["dummy.shapeless"]


def test_checker_catches_a_missing_all():
    module = types.ModuleType("no_all")
    problems = docstring_problems(module)
    assert problems == {"no_all": "no __all__ (the public names are not declared)"}


@pytest.mark.parametrize(
    "text, has_shape",
    [("(N, T, D)", True), ("(V,)", True), ("(4H,)", True), ("(L*dirs, N, H)", True),
     ("(T_i,)", True), ("(..., D)", True), ("same shape as x", True),
     ("(PyTorch, Keras default)", False), ("(Cho et al. 2014, d2l)", False), ("(x)", False)],
)
def test_shape_pattern(text, has_shape):
    assert bool(SHAPE_PATTERN.search(text)) is has_shape
