"""Every goal of issue 18 measured in one run, with paired rounds, as one Markdown report.

    python benchmarks/run.py                       # full run (several minutes)
    python benchmarks/run.py --quick               # tiny sizes, seconds (CI runs it)
    python benchmarks/run.py --out benchmarks/RESULTS.md
    python benchmarks/run.py --only crypto --only fleet

Every comparison runs its sides back to back in each round, the order alternating;
each verdict is the median (and range) of the per-round ratios, never a ratio of
medians. CPU-time ratios where one process does the work (they hold on a busy
machine). See ``benchmarks/README.md`` for what each figure means and
``benchmarks/FINDINGS.md`` for what holds each goal still missed.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _common  # noqa: E402 - after the sys.path line

DEFAULT_OUT = HERE / "results" / "latest.md"
#: section → (module, heading, text)
SECTIONS: dict[str, tuple[str, str, str]] = {
    "first_cell": (
        "bench_first_cell",
        "First cell of a fresh kernel",
        (
            "Fresh process per side, CPU time of that process (`os.wait4`); see "
            "`bench_first_cell.py` for why an `InteractiveShell` and not a kernel."
        ),
    ),
    "calls": (
        "bench_calls",
        "Small calls and a small cell (CPU of the client process)",
        "Simulated splicer in a child process, no latency, `screen/readList`.",
    ),
    "render": (
        "bench_render",
        "Rendering time per plain reply size",
        "Each Result's `_repr_mimebundle_` (text + HTML, 10 rows), CPU time.",
    ),
    "fleet": (
        "bench_fleet",
        "Fleets of simulated splicers in 4 processes",
        "Ideal = ceil(n / in flight) × latency + the per-call floor of the same round.",
    ),
    "crypto": (
        "bench_crypto",
        "Crypto: seal + open against OpenSSL's single-thread DES-ECB",
        "Wall time (one process, one thread each side except the 2-thread prototype).",
    ),
    "records": (
        "bench_records",
        "Many records end to end, HTTP included, vs today's code",
        "Baseline = `benchmarks/_baseline.py` (commit 0239a67, frozen).",
    ),
    "startup": (
        "bench_startup",
        "Simulated splicer: time to first answer",
        "Process start → first valid reply, wall time.",
    ),
    "replay": (
        "bench_replay",
        "Replay and capture against the device's size",
        "A full capture and `SimulatedSplicer(replay=data)` at 1×, 4× and 16× the demo "
        "device's calls; replay start-up at 1×, 4× and 16× the screens. CPU time.",
    ),
    "findings": (
        "bench_findings",
        "Prototypes (for FINDINGS.md)",
        "Candidate fixes against today's code, same run, identical output checked.",
    ),
}


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def goals(report: dict) -> list[list[str]]:
    """Issue 18's goals, each with the figure that decides it and met / missed."""
    rows: list[list[str]] = []
    fr = _common.fmt_ratio

    def add(goal: str, figure: str, met: bool | None) -> None:
        rows.append([goal, figure, "n/a" if met is None else ("met" if met else "**missed**")])

    if "first_cell" in report:
        v = report["first_cell"]["verdict"]
        add(
            "first cell (load, connect, small call rendered) ≤ 1.3× a bare requests first call "
            "(CPU)",
            fr(v),
            v["median"] <= 1.3,
        )
    if "calls" in report:
        for m in report["calls"]["modes"]:
            v = m["cell_vs_bare_cell"]
            add(
                f"small %%openapi cell rendered ≤ 0.7× a bare call in a cell, {m['mode']} "
                "(CPU; issue 24, was ≤ 1.3×)",
                fr(v),
                v["median"] <= 0.7,
            )
        for m in report["calls"]["modes"]:
            v = m["client_vs_light"]
            add(
                f"client.call ≤ 1.2× the keep-alive http.client floor (same signing and "
                f"parsing), {m['mode']} (CPU; issue 24)",
                fr(v),
                v["median"] <= 1.2,
            )
        for m in report["calls"]["modes"]:
            v = m["client_vs_bare"]
            add(
                f"client CPU per small call ≤ 0.5× a bare requests call, {m['mode']}",
                fr(v),
                v["median"] <= 0.5,
            )
    if "render" in report:
        small, large, v = report["render"]["worst"]
        add(
            "no size at which a smaller plain reply renders slower (worst neighbours, "
            f"≤ {report['render'].get('tolerance', 1.1):.2f})",
            f"{small:,} B ÷ {large:,} B: {fr(v)}",
            v["median"] <= 1.1,
        )
    if "fleet" in report:
        for r in report["fleet"]["rows"]:
            v = r["default_vs_ideal"]
            add(
                f"fleet of {r['n']} at {r['latency_ms']} ms, defaults ({r['w_default']} in "
                "flight) ≤ 1.2× ideal",
                fr(v),
                v["median"] <= 1.2,
            )
            v = r["wide_vs_ideal"]
            add(
                f"fleet of {r['n']} at {r['latency_ms']} ms, {r['w_wide']} in flight ≤ 1.2× ideal",
                fr(v),
                v["median"] <= 1.2,
            )
            for side, prefix, label in (
                ("default", "", f"defaults ({r['w_default']} in flight)"),
                ("wide", "wide_", f"{r['w_wide']} in flight"),
            ):
                if f"{side}_vs_cpu_bound" in r:  # issue 24: the same run ÷ what the CPU allows
                    v = r[f"{side}_vs_cpu_bound"]
                    add(
                        f"fleet of {r['n']} at {r['latency_ms']} ms, {label} ≤ 1.15× its "
                        f"CPU-bound ideal (client {r[f'{prefix}client_cpu'] * 1000:.2f} + "
                        f"splicers {r[f'{prefix}server_cpu'] * 1000:.2f} ms CPU per call, "
                        f"{r['cores']} cores)",
                        fr(v),
                        v["median"] <= 1.15,
                    )
            if r["n"] == 50 and r["latency_ms"] == 50:
                v = r["loop_vs_default"]
                add("50 splicers at 50 ms: defaults beat 8× a loop", fr(v), v["median"] > 8)
    if "crypto" in report:
        for r in report["crypto"]["rows"]:
            if "seal" not in r:
                add(
                    f"seal + open ≥ 0.8× OpenSSL, {_common.size_label(r['size'])}",
                    "no libcrypto DES",
                    None,
                )
                continue
            worst = min((r["seal"], r["open"]), key=lambda v: v["median"])
            which = "seal" if worst is r["seal"] else "open"
            add(
                f"seal + open ≥ 0.8× OpenSSL DES-ECB, {_common.size_label(r['size'])} "
                f"(worst: {which})",
                fr(worst),
                worst["median"] >= 0.8,
            )
            same = all(v is not False for v in r["same"].values())
            add(
                f"crypto bytes identical, {_common.size_label(r['size'])}",
                "checked" if same else "DIFFER",
                same,
            )
    if "records" in report:
        for r in report["records"]["rows"]:
            v = r["ratio"]
            add(
                f"{r['rows']:,} records {r['mode']}, end to end ≤ 0.5× today's code",
                fr(v),
                v["median"] <= 0.5,
            )
            if "cpu_ratio" in r:  # what the client process spends, the splicer left out
                v = r["cpu_ratio"]
                add("  (the same, the client process's CPU only)", fr(v), v["median"] <= 0.5)
            if r.get("client_ratio"):  # the splicer's share (its reply sent and read) left out
                v = r["client_ratio"]
                add(
                    "  (the same, less the splicer's share of each round)",
                    fr(v),
                    v["median"] <= 0.5,
                )
            add(
                f"{r['rows']:,} records {r['mode']}, peak ≤ 3× the body (issue 24)",
                f"{r['peak'] / r['bytes']:.1f}×",
                r["peak"] <= 3 * r["bytes"],
            )
    if "startup" in report:
        v = report["startup"]["verdict"]
        add(
            "simulated splicer to first answer ≤ 1.3× `python -m http.server`",
            fr(v),
            v["median"] <= 1.3,
        )
    if "replay" in report:
        v = report["replay"]["growth"]
        add(
            "replay start-up linear: time per screen at 16× ≤ 1.5× at 1× (issue 26)",
            fr(v),
            v["median"] <= 1.5,
        )
        demo = report["replay"].get("demo")
        for name, what in (("capture", "a full capture"), ("replay", "replay start-up")):
            if demo is None:
                break
            v = demo[name]["worst"]
            add(
                f"{what} linear: per call at {', '.join(f'{f}×' for f in demo['factors'][1:])} "
                f"the demo device ≤ 1.3× at 1× (worst size)",
                fr(v),
                v["median"] <= 1.3,
            )
    return rows


def checks(report: dict) -> list[str]:
    """The benchmarks' own correctness checks that failed (identical bytes, equal frames…)."""
    bad = []
    if "first_cell" in report:
        bad += [f"first_cell: {k}" for k, ok in report["first_cell"]["checks"].items() if not ok]
    for r in report.get("crypto", {}).get("rows", []):
        bad += [f"crypto {r['size']}: {k}" for k, ok in r["same"].items() if ok is False]
    for r in report.get("records", {}).get("rows", []):
        if not r["equal"]:
            bad.append(f"records {r['mode']}: frames differ")
    if "findings" in report:
        bad += [f"findings: {k}" for k, ok in report["findings"]["checks"].items() if not ok]
    return bad


def render(report: dict, args: argparse.Namespace, seconds: float) -> str:
    cmd = "python benchmarks/run.py" + (" --quick" if args.quick else "")
    lines = [
        "# openapi_magic benchmarks"
        + (" (quick: tiny sizes, not for claims)" if args.quick else ""),
        "",
        f"`{cmd}` — {datetime.date.today().isoformat()}, whole run {seconds:.0f} s.",
        "",
        _common.table(["machine", ""], [[k, v] for k, v in report["machine"].items()], "ll"),
        "",
        "## Goals (issue 18)",
        "",
        "Each figure: median of the per-round ratios (range over the rounds, rounds).",
        "",
        _common.table(["goal", "measured", ""], goals(report), "lll"),
        "",
    ]
    bad = checks(report)
    lines += [
        f"Correctness checks: {'all passed' if not bad else 'FAILED: ' + '; '.join(bad)}.",
        "",
    ]
    for name, (_, heading, text) in SECTIONS.items():
        if name in report:
            lines += [f"## {heading}", "", text, "", report[name]["markdown"], ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="tiny sizes and few rounds: checks the script runs, not for claims",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help=f"Markdown file to write ({DEFAULT_OUT.relative_to(HERE.parent)})",
    )
    parser.add_argument(
        "--only", action="append", choices=list(SECTIONS), help="run only this section (repeatable)"
    )
    args = parser.parse_args(argv)
    start = time.perf_counter()
    report: dict[str, Any] = {"machine": _common.machine()}
    for name in args.only or list(SECTIONS):
        _log(f"{name}…")
        report[name] = importlib.import_module(SECTIONS[name][0]).run(args.quick, _log)
    text = render(report, args, time.perf_counter() - start)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n", encoding="utf-8")
    _log(f"written to {args.out}")
    return 1 if checks(report) else 0


if __name__ == "__main__":
    sys.exit(main())
