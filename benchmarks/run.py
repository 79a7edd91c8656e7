"""Every benchmark of openapi_magic in one run, written as one Markdown report.

    python benchmarks/run.py                       # full run (a few minutes)
    python benchmarks/run.py --quick               # tiny sizes (a smoke test)
    python benchmarks/run.py --out benchmarks/RESULTS.md

Sections: the crypto path against pyDes and OpenSSL (``bench_crypto``), per-call
overhead against a bare call (``bench_calls``), large replies (``bench_replies``),
and the fleet against a sequential loop (``fleet``). Comparisons are measured in
the same run in alternating rounds, so they hold on a noisy machine; the goals of
issue #8 are checked at the end. See ``benchmarks/README.md`` for what each figure
means.
"""

from __future__ import annotations

import argparse
import datetime
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _common  # after the sys.path line

DEFAULT_OUT = HERE / "results" / "latest.md"
SECTIONS = ("crypto", "calls", "replies", "fleet")


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def goals(report: dict) -> list[list[str]]:
    """Issue #8's goals, each with the figure measured and whether it is met."""
    rows = []

    def add(goal: str, figure: str, met: bool | None) -> None:
        rows.append([goal, figure, "n/a" if met is None else ("met" if met else "**missed**")])

    if "crypto" in report:
        big = [r for r in report["crypto"]["rows"] if r["size"] >= 1 << 20]
        if big and report["crypto"]["openssl"]:
            worst = min(min(r["size"] / r["seal"] / r["openssl_enc"],
                            r["size"] / r["open"] / r["openssl_dec"]) for r in big)
            add("crypto ≥ 1 MB: seal and open ≥ 0.5× OpenSSL DES-ECB", f"{worst:.3f}× (worst)",
                worst >= 0.5)
        elif not big:
            add("crypto ≥ 1 MB: seal and open ≥ 0.5× OpenSSL DES-ECB", "no size ≥ 1 MB run",
                None)
        else:
            add("crypto ≥ 1 MB: seal and open ≥ 0.5× OpenSSL DES-ECB", "openssl not found", None)
        rows_ = report["crypto"]["rows"]
        worst_pydes = min(min(r["pydes_seal"] / r["seal"], r["pydes_open"] / r["open"])
                          for r in rows_)
        add("crypto: ≥ 500× pyDes (every size)", f"{worst_pydes:,.0f}× (worst)",
            worst_pydes >= 500)
    if "calls" in report:
        for m in report["calls"]["modes"]:
            r = _common.ratio(m["samples"]["client"], m["samples"]["bare"])
            add(f"per call, {m['mode']}: client.call ≤ 1.3× bare call", f"{r:.2f}×", r <= 1.3)
    if "replies" in report:
        for r in report["replies"]["rows"]:
            if r["n"] < 100_000:
                continue
            add(f"{r['rows']:,} records, {r['mode']}: end to end ≤ 1 s",
                f"{r['total']:.2f} s", r["total"] <= 1.0)
            add(f"{r['rows']:,} records, {r['mode']}: peak memory ≤ 4× body",
                f"{r['peak'] / r['bytes']:.1f}×", r["peak"] <= 4 * r["bytes"])
    return rows


def render(report: dict, args: argparse.Namespace, seconds: float) -> str:
    cmd = "python benchmarks/run.py" + (" --quick" if args.quick else "")
    lines = [
        "# openapi_magic benchmarks" + (" (quick: tiny sizes, not for claims)" if args.quick
                                         else ""),
        "",
        f"`{cmd}` — {datetime.date.today().isoformat()}, whole run {seconds:.0f} s.",
        "",
        _common.table(["machine", ""], [[k, v] for k, v in report["machine"].items()], "ll"),
        "",
    ]
    g = goals(report)
    if g:
        lines += ["## Goals (issue #8)", "", _common.table(["goal", "measured", ""], g, "lll"),
                  ""]
    if "crypto" in report:
        lines += [
            "## Crypto path: seal and open an encrypted body",
            "",
            ("Body `{\"data\": \"…\"}` whose compact JSON has the stated size. *seal* = "
            "`protocol.seal_request` (JSON, PKCS#5, DES-ECB, Base64, md5 sign); *open* = "
            "`protocol.open_reply` (Base64, DES-ECB, unpad, UTF-8, JSON, sign check). "
            "MB/s are of JSON bytes. OpenSSL = `openssl speed -evp des-ecb -bytes <size> "
            "-elapsed` (legacy provider), DES alone with no JSON, padding or Base64: the "
            "practical limit. *Our DES-ECB alone* is the primitive the seal and open use "
            "(see the DES backend above); pycryptodome's is the fallback, for comparison. "
            "pyDes = the same steps the seed's way; cells marked ~ are "
            "extrapolated linearly from the largest size timed (pyDes runs at ~20 KB/s). "
            "Medians of alternating rounds."),
            "",
            report["crypto"]["markdown"],
            "",
        ]
    if "calls" in report:
        lines += [
            "## Per-call overhead: small calls on loopback",
            "",
            ("Simulated splicer in a child process, no added latency, `screen/readList`. "
            "Rounds of calls alternate between the four ways; medians of rounds, ratios "
            "are medians of per-round ratios; spread = half the interquartile range."),
            "",
            report["calls"]["markdown"],
            "",
        ]
    if "replies" in report:
        lines += [
            "## Large replies: `input/readList` with many records",
            "",
            ("Time to the last byte over HTTP (simulated splicer in a child process) is "
            "shown apart; the rest is measured on the same reply bytes served from memory "
            "through the client's real code path: *end to end* = `client.call` + render "
            "(text and HTML, display limit 10) + `result.df` (all rows). Peak memory: "
            "`tracemalloc`, above what was allocated before the call, relative to the "
            "reply body size. Medians of rounds."),
            "",
            report["replies"]["markdown"],
            "",
        ]
    if "fleet" in report:
        lines += ["## Fleet", "", report["fleet"]["table"], ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="tiny sizes and few rounds: checks the script runs, not for claims")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help=f"Markdown file to write ({DEFAULT_OUT.relative_to(HERE.parent)})")
    parser.add_argument("--only", action="append", choices=SECTIONS,
                        help="run only this section (repeatable)")
    args = parser.parse_args(argv)
    sections = args.only or list(SECTIONS)
    start = time.perf_counter()
    report: dict[str, Any] = {"machine": _common.machine()}
    if "crypto" in sections:
        _log("crypto path…")
        import bench_crypto
        report["crypto"] = bench_crypto.run(args.quick, _log)
    if "calls" in sections:
        _log("per-call overhead…")
        import bench_calls
        report["calls"] = bench_calls.run(args.quick, _log)
    if "replies" in sections:
        _log("large replies…")
        import bench_replies
        report["replies"] = bench_replies.run(args.quick, _log)
    if "fleet" in sections:
        _log("fleet…")
        import fleet
        report["fleet"] = (fleet.run_benchmark(n=4, latency_ms=5) if args.quick
                           else fleet.run_benchmark(n=50, latency_ms=50))
    text = render(report, args, time.perf_counter() - start)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n", encoding="utf-8")
    _log(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
