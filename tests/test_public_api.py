"""``__all__`` is honest: every listed name exists, and the documented names are listed."""

import importlib
import inspect

import pytest

MODULES = ["openapi_magic", "openapi_magic.protocol", "openapi_magic.errors",
           "openapi_magic.catalog", "openapi_magic.client", "openapi_magic.result",
           "openapi_magic.profiles", "openapi_magic.connection", "openapi_magic.magics",
           "openapi_magic.server", "openapi_magic.fleet",
           "openapi_magic.widgets", "openapi_magic.captures", "openapi_magic.capture_diff",
           "openapi_magic.confirm", "openapi_magic.confirm_button"]


@pytest.mark.parametrize("name", MODULES)
def test_all_names_exist_and_have_docstrings(name):
    mod = importlib.import_module(name)
    assert mod.__all__, f"{name} has an empty __all__"
    for attr in mod.__all__:
        obj = getattr(mod, attr)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            assert obj.__doc__, f"{name}.{attr} has no docstring"


def test_package_exports_the_documented_entry_points():
    import openapi_magic
    for attr in ("Client", "Result", "OpenAPIError", "StatusError", "load_catalog"):
        assert attr in openapi_magic.__all__
