"""``__all__`` is honest in every public module: every listed name exists (classes and
functions with a docstring), every public class or function the module defines is listed,
and the list is sorted (constants, then classes, then the rest, as ruff's RUF022 sorts)."""

import importlib
import inspect
import pkgutil

import pytest

import openapi_magic

MODULES = ["openapi_magic"] + sorted(
    m.name
    for m in pkgutil.walk_packages(openapi_magic.__path__, "openapi_magic.")
    if not any(part.startswith("_") for part in m.name.split("."))
)


def test_the_public_modules_are_found():
    for name in (
        "openapi_magic.client",
        "openapi_magic.server",
        "openapi_magic.watch",
        "openapi_magic.server.replay",
        "openapi_magic.magics",
    ):
        assert name in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_all_names_exist_and_have_docstrings(name):
    mod = importlib.import_module(name)
    assert mod.__all__, f"{name} has an empty __all__"
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
    ):
        assert attr in openapi_magic.__all__
