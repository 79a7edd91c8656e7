"""Smoke test of an installed wheel, run by .ci/run in a fresh environment outside the checkout.

    python smoke.py CHECKOUT

Checks what a user meets first, from the installed package only: ``%load_ext`` in an
IPython shell, a ``%%openapi`` call to the simulated splicer started from the package, the
catalog, the shipped demo capture and ``replay="demo"``, and the ``openapi-magic`` command
line (``--help`` and a call). Exits non-zero, naming the step, on the first failure.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path


def check(what: str, ok: bool, detail: object = "") -> None:
    """Print one step's verdict; stop the run on a failure."""
    print(f"smoke: {'ok  ' if ok else 'FAIL'} {what}" + (f": {detail}" if detail else ""))
    if not ok:
        sys.exit(1)


def main(checkout: Path) -> None:
    import openapi_magic

    here = Path(openapi_magic.__file__).resolve()
    check("imported from the installed wheel", checkout not in here.parents, here)
    version = importlib.metadata.version("openapi_magic")
    check("one version", version == openapi_magic.__version__, version)
    package = here.parent
    check("py.typed shipped", (package / "py.typed").is_file())

    from IPython.core.interactiveshell import InteractiveShell

    from openapi_magic import load_catalog
    from openapi_magic.server import demo_capture_path, serve

    catalog = load_catalog()
    check("the catalog", len(catalog) >= 80 and "screen/readList" in catalog, len(catalog))
    check("the demo capture shipped", demo_capture_path().is_file(), demo_capture_path())

    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "openapi_magic")
    with serve() as splicer:
        ip.user_ns["splicer"] = splicer
        ip.run_line_magic("openapi_connect", "splicer")
        ip.run_cell_magic("openapi", "screen/readList -o screens", '{"deviceId": 0}')
        screens = ip.user_ns.get("screens")
        check("%%openapi on the simulated splicer", screens is not None and screens.ok)

        env = dict(
            os.environ,
            OPENAPI_ROOT=splicer.root,
            OPENAPI_PID=splicer.pid,
            OPENAPI_SECRET_KEY=splicer.secret_key,
            OPENAPI_ENCRYPT="1" if splicer.encrypt else "0",
        )
        beside = Path(sys.executable).with_name("openapi-magic")  # the environment's bin/
        cli = str(beside) if beside.exists() else shutil.which("openapi-magic")
        check("the openapi-magic command is installed", cli is not None)
        assert cli is not None
        helped = subprocess.run([cli, "--help"], capture_output=True, text=True, timeout=60)
        check("openapi-magic --help", helped.returncode == 0 and "call" in helped.stdout)
        called = subprocess.run(
            [cli, "call", "screen/readList", '{"deviceId": 0}', "--json"],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        lines = [json.loads(line) for line in called.stdout.splitlines() if line.strip()]
        check(
            "openapi-magic call",
            called.returncode == 0 and lines and lines[0]["ok"],
            called.stderr.strip(),
        )
        check("no secretKey on the command line's output", splicer.secret_key not in called.stdout)

    with serve(replay="demo") as replayed:
        ip.user_ns["replayed"] = replayed
        ip.run_line_magic("openapi_connect", "replayed")
        ip.run_cell_magic("openapi", "screen/readList -o again", '{"deviceId": 0}')
        again = ip.user_ns.get("again")
        check('replay="demo" answers', again is not None and again.ok)
    print("smoke: every check passed")


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve())
