"""The public face is small and honest.

The public modules are exactly :data:`PUBLIC` (every other module is private, a
``_name``); in each, ``__all__`` is honest: every listed name exists (classes and
functions with a docstring), every public class or function the module defines is
listed, and the list is sorted (constants, then classes, then the rest, as ruff's
RUF022 sorts). The old import paths of 0.1 still work, with a DeprecationWarning.
"""

import importlib
import importlib.util
import inspect
import pkgutil
import subprocess
import sys

import pytest

import openapi_magic

MODULES = ["openapi_magic"] + sorted(
    m.name
    for m in pkgutil.walk_packages(openapi_magic.__path__, "openapi_magic.")
    if not any(part.startswith("_") for part in m.name.split("."))
)


#: The public face: the package, one face per layer, and the documented modules. A new
#: public module is a decision: add it here and to CONTRIBUTING.md's layer map.
PUBLIC = [
    "openapi_magic",
    "openapi_magic.app",
    "openapi_magic.client",
    "openapi_magic.core",
    "openapi_magic.core.capture_format",
    "openapi_magic.core.catalog",
    "openapi_magic.core.protocol",
    "openapi_magic.core.settings",
    "openapi_magic.errors",
    "openapi_magic.evidence",
    "openapi_magic.frontends",
    "openapi_magic.ops",
    "openapi_magic.ops.fleet",
    "openapi_magic.render",
    "openapi_magic.server",
]

#: A face whose public part is its public modules (``__all__`` may be empty).
MODULE_FACES = ("openapi_magic.core",)


def test_the_public_modules_are_exactly_the_face():
    assert MODULES == PUBLIC


def test_the_public_names_stay_few():
    # 0.1 had 37 public modules and 319 names; the layers keep the face small.
    # The capture format's replay mark (REPLAY_HEADER, ReplayMark, replay_note) and
    # envelope_shape, shared by the simulated splicer, the client and capture (issue 23);
    # openapi_magic.history(), the log of what was sent (issue 25); the evidence registry
    # (issue 23): one module and eleven names (the matrix, the registry, its entries, a
    # capture's evidence draft, the catalog's raw data, openapi_magic.evidence on the face).
    names = sum(len(importlib.import_module(m).__all__) for m in MODULES)
    # +3 (issue 25): the connect verdict, ConnectVerdict, and its error, ConnectCheckError
    # (in errors and on the package face).
    assert len(MODULES) <= 15 and names <= 228, (len(MODULES), names)


#: Old module -> the module it is now (0.1's paths, kept for one release).
OLD_PATHS = {
    "openapi_magic.result": "openapi_magic.client._result",
    "openapi_magic.magics": "openapi_magic.frontends._magics",
    "openapi_magic.widgets": "openapi_magic.frontends._form",
    "openapi_magic.protocol": "openapi_magic.core.protocol",
    "openapi_magic.captures": "openapi_magic.ops._captures",
    "openapi_magic.watch": "openapi_magic.ops._watch",
    "openapi_magic.server.replay": "openapi_magic.server._replay",
}


@pytest.mark.parametrize("old", sorted(OLD_PATHS))
def test_an_old_import_path_warns_and_is_the_new_module(old):
    # A fresh interpreter: the first import of the old path is the one that warns.
    code = (
        "import importlib, warnings\n"
        "warnings.simplefilter('error', DeprecationWarning)\n"
        "try:\n"
        f"    importlib.import_module({old!r})\n"
        "except DeprecationWarning as w:\n"
        "    print('warned:', w)\n"
        "warnings.simplefilter('ignore', DeprecationWarning)\n"
        f"old = importlib.import_module({old!r})\n"
        f"new = importlib.import_module({OLD_PATHS[old]!r})\n"
        "print('same' if old is new else 'different', old.__spec__.name)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert f"warned: {old} moved in openapi_magic 0.2" in out
    assert f"same {OLD_PATHS[old]}" in out


def test_every_old_path_has_a_new_home():
    from openapi_magic import _moved

    for old, (new, face) in _moved.MOVED.items():
        assert importlib.util.find_spec(new) is not None, new
        assert face.split(" ")[0] in MODULES, (old, face)


@pytest.mark.parametrize("name", MODULES)
def test_all_names_exist_and_have_docstrings(name):
    mod = importlib.import_module(name)
    assert mod.__all__ or name in MODULE_FACES, f"{name} has an empty __all__"
    for attr in mod.__all__:
        obj = getattr(mod, attr)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            assert obj.__doc__, f"{name}.{attr} has no docstring"


@pytest.mark.parametrize("name", MODULES)
def test_all_is_complete(name):
    mod = importlib.import_module(name)
    defined = [
        n
        for n, obj in vars(mod).items()
        if not n.startswith("_")
        and (inspect.isclass(obj) or inspect.isfunction(obj))
        and getattr(obj, "__module__", None) == name
    ]
    assert not [n for n in defined if n not in mod.__all__], f"{name}: public but not listed"


def _rank(name: str) -> tuple:
    if name.isupper() or (name.upper() == name and "_" in name):
        return (0, name)
    if name[:1].isupper():
        return (1, name)
    return (2, name)


@pytest.mark.parametrize("name", MODULES)
def test_all_is_sorted(name):
    listed = list(importlib.import_module(name).__all__)
    assert listed == sorted(listed, key=_rank), f"{name}: __all__ is not sorted"
    assert len(set(listed)) == len(listed), f"{name}: __all__ lists a name twice"


def test_package_exports_the_documented_entry_points():
    for attr in (
        "Client",
        "Result",
        "OpenAPIError",
        "StatusError",
        "load_catalog",
        "capture",
        "Capture",
        "Secret",
        "WriteRefused",
        "history",  # what this session sent tonight, a DataFrame
    ):
        assert attr in openapi_magic.__all__


def test_the_evidence_face_names_the_matrix_and_the_registry():
    import openapi_magic.evidence as evidence

    assert evidence.__all__ == [
        "NOT_SEEN",
        "OK",
        "Entry",
        "EvidenceDraft",
        "Matrix",
        "Registry",
        "compatibility_markdown",
        "load_registry",
        "matrix",
    ]
