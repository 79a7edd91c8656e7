"""Shared pieces of the benchmarks: interleaved timing, machine description,
simulated splicers in a child process, Markdown helpers.

Timing rule: the sides of a comparison run in the same process, in alternating
rounds (A, B, A, B, ... with the order rotated each round), so a noisy neighbour
slows both; ratios are medians of per-round ratios, absolute figures medians of
rounds.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import ssl
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any


def per_call(fn: Callable[[], Any], inner: int = 1) -> float:
    """Seconds per call of ``fn``, over ``inner`` back-to-back calls."""
    start = time.perf_counter()
    for _ in range(inner):
        fn()
    return (time.perf_counter() - start) / inner


def interleave(
    sides: dict[str, Callable[[], Any]], rounds: int, inner: int = 1, warmup: int = 1
) -> dict[str, list[float]]:
    """Per-call seconds of each side, one sample per round; sides alternate
    within each round and the order rotates between rounds."""
    names = list(sides)
    for name in names:
        for _ in range(warmup):
            sides[name]()
    samples: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        k = r % len(names)
        for name in names[k:] + names[:k]:
            samples[name].append(per_call(sides[name], inner))
    return samples


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def ratio(a: list[float], b: list[float]) -> float:
    """Median of the per-round ratios a/b (rounds are paired)."""
    return statistics.median(x / y for x, y in zip(a, b))


def spread(xs: list[float]) -> str:
    """Relative spread of samples, as ±% of the median (half the interquartile range)."""
    if len(xs) < 4:
        return f"±{(max(xs) - min(xs)) / 2 / median(xs) * 100:.0f}%"
    q = statistics.quantiles(xs, n=4)
    return f"±{(q[2] - q[0]) / 2 / median(xs) * 100:.0f}%"


def ms(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds * 1000:,.0f}"
    if seconds >= 0.01:
        return f"{seconds * 1000:.1f}"
    return f"{seconds * 1000:.2f}"


def size_label(n: int) -> str:
    for unit, div in (("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= div and n % div == 0:
            return f"{n // div} {unit}"
    return f"{n} B"


def table(header: list[str], rows: list[list[Any]], align: str | None = None) -> str:
    """A Markdown table; ``align`` is one of l/r per column (default: first left, rest right)."""
    align = align or "l" + "r" * (len(header) - 1)
    sep = ["---" if a == "l" else "---:" for a in align]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(sep) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


# --------------------------------------------------------------------------- machine


def _version(dist: str) -> str:
    try:
        from importlib.metadata import version

        return version(dist)
    except Exception:  # noqa: BLE001 - not installed
        return "not installed"


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def openssl_cli() -> str | None:
    """Path of the ``openssl`` command, or None."""
    return shutil.which("openssl")


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    cli = openssl_cli()
    cli_version = "not found"
    if cli:
        try:
            cli_version = subprocess.run(
                [cli, "version"], capture_output=True, text=True, timeout=10, check=False
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            cli_version = "unusable"
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 0
    try:
        from openapi_magic.core import _des

        backend = _des.backend()
    except ImportError:  # a checkout from before the OpenSSL backend
        backend = "pycryptodome"
    return {
        "CPU": cpu_model(),
        "cores": f"{os.cpu_count()} ({usable} usable)",
        "OS": f"{platform.system()} {platform.release()}",
        "Python": f"{platform.python_implementation()} {platform.python_version()}",
        "OpenSSL (CLI)": cli_version,
        "OpenSSL (Python's ssl)": ssl.OPENSSL_VERSION,
        "DES backend": backend,
        "pycryptodome": _version("pycryptodome"),
        "pyDes": _version("pyDes"),
        "pandas": _version("pandas"),
        "numpy": _version("numpy"),
        "requests": _version("requests"),
        "urllib3": _version("urllib3"),
        "IPython": _version("ipython"),
    }


# --------------------------------------------------------------------------- splicers

# Runs in a child process: start the splicers, print how to reach them, serve until
# stdin closes (so they never outlive the benchmark). The client under test then
# has this interpreter to itself, as with a real splicer on another machine.
#: Where children keep their bytecode (see :func:`child_env`).
PYCACHE = os.path.join(os.environ.get("TMPDIR", "/tmp"), "openapi_magic_bench_pycache")


def child_env(env: dict | None = None) -> dict:
    """The environment for a timed child process: bytecode written and reused, as an
    installed package has it (pip compiles it). ``PYTHONDONTWRITEBYTECODE`` (set on
    some machines, this one included) would make every child compile the package's
    source again, a cost no installed user pays; the standard library on the other
    side has its bytecode. ``PYTHONPYCACHEPREFIX`` keeps the cache out of the tree."""
    out = dict(os.environ if env is None else env)
    out.pop("PYTHONDONTWRITEBYTECODE", None)
    out.setdefault("PYTHONPYCACHEPREFIX", PYCACHE)
    return out


_CHILD = """
import json, sys
from openapi_magic.server import serve
splicers = []
for spec in json.loads(sys.argv[1]):
    inputs = spec.pop("inputs", 0)
    # Signed replies (real firmware sends none), so the client's verify path is measured too.
    spec.setdefault("reply_sign", True)
    s = serve(**spec)
    if inputs:
        s.state.add_inputs(inputs)
    splicers.append(s)
print(json.dumps([[s.root, s.pid, s.secret_key, s.encrypt] for s in splicers]), flush=True)
sys.stdin.read()
for s in splicers:
    s.stop()
"""


@contextmanager
def splicers(*specs: dict) -> Iterator[list[SimpleNamespace]]:
    """Simulated splicers in a child process, one per spec (``serve`` keyword
    arguments, plus ``inputs``: extra input records for ``input/readList``)."""
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, json.dumps(list(specs))],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = child.stdout.readline()
        if not line:
            raise RuntimeError("the splicers' process ended before it started them")
        yield [
            SimpleNamespace(root=r, pid=p, secret_key=k, encrypt=e)
            for r, p, k, e in json.loads(line)
        ]
    finally:
        child.stdin.close()
        try:
            child.wait(30)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


# --------------------------------------------------------------------------- paired verdicts


def paired(
    sides: dict[str, Callable[[], Any]],
    rounds: int,
    warmup: int = 1,
    clock: Callable[[], float] = time.perf_counter,
) -> dict[str, list[float]]:
    """One sample per side per round, each side timed by ``clock`` (``time.process_time``
    for CPU time); the sides run back to back in each round, the order rotated (and
    reversed every other round) so neither side always goes first. A side that returns
    a number returns its own measurement (seconds) instead of being timed."""
    names = list(sides)
    for name in names:
        for _ in range(warmup):
            sides[name]()
    samples: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        k = r % len(names)
        order = names[k:] + names[:k]
        if (r // len(names)) % 2:
            order.reverse()
        for name in order:
            t0 = clock()
            value = sides[name]()
            t1 = clock()
            samples[name].append(value if isinstance(value, float) else t1 - t0)
    return samples


def ratios(a: list[float], b: list[float]) -> list[float]:
    """The per-round ratios a/b of paired samples."""
    return [x / y for x, y in zip(a, b)]


def verdict(rs: list[float]) -> dict[str, float]:
    """Median and range of per-round ratios (never a ratio of medians)."""
    return {"median": statistics.median(rs), "low": min(rs), "high": max(rs), "rounds": len(rs)}


def fmt_ratio(v: dict[str, float], unit: str = "×") -> str:
    """``1.23× (1.10–1.40, 7 rounds)``."""
    return (
        f"{v['median']:.2f}{unit} ({v['low']:.2f}–{v['high']:.2f}, "
        f"{v['rounds']} round{'s' if v['rounds'] != 1 else ''})"
    )


def run_child(cmd: list[str], env: dict | None = None) -> tuple[float, float, str]:
    """Run ``cmd`` in a fresh process and return (CPU seconds user+sys of that child,
    wall seconds, stdout), the CPU read with ``os.wait4`` for that one child."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stdout.close()
    proc.stderr.close()
    if proc.returncode != 0:
        raise RuntimeError(
            f"{' '.join(cmd[:3])} failed ({proc.returncode}): "
            f"{err.decode(errors='replace')[-2000:]}"
        )
    return usage.ru_utime + usage.ru_stime, wall, out.decode("utf-8", "replace")


@contextmanager
def splicer_farm(specs: list[dict], processes: int = 4) -> Iterator[list[SimpleNamespace]]:
    """The splicers of ``specs`` shared among ``processes`` child processes (round
    robin), so a wide fleet is not measuring one server process's GIL; the list
    comes back in the order of ``specs``."""
    from contextlib import ExitStack

    processes = max(1, min(processes, len(specs)))
    shares = [specs[i::processes] for i in range(processes)]
    with ExitStack() as stack:
        started = [stack.enter_context(splicers(*share)) for share in shares if share]
        out: list[SimpleNamespace] = [None] * len(specs)  # type: ignore[list-item]
        for p, group in enumerate(started):
            for j, s in enumerate(group):
                out[p + j * processes] = s
        yield out
