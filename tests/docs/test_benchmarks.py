"""The benchmark entry point runs every goal of issue 18 on tiny sizes (no timing is checked).

It prints and writes the goals table, and its own correctness checks (identical
crypto bytes, equal DataFrames, the Result rendered) must pass: ``run.py`` exits 1
when one fails.
"""

import re
import subprocess
import sys

import pytest
from _paths import ROOT


@pytest.mark.slow
def test_benchmark_quick_run_prints_the_goals_table_and_passes_its_checks(tmp_path):
    out = tmp_path / "bench.md"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:] + proc.stdout[-3000:]
    text = out.read_text(encoding="utf-8")
    assert text.strip() in proc.stdout  # printed and written alike
    assert "Correctness checks: all passed." in text
    for heading in (
        "## Goals",
        "## First cell",
        "## Small calls",
        "## Rendering time",
        "## Fleets",
        "## Crypto",
        "## Many records",
        "## Simulated splicer",
        "## Replay and capture",
        "## Prototypes",
    ):
        assert heading in text, heading
    goals = text.split("## Goals", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in goals.splitlines() if line.startswith("| ") and "---" not in line]
    verdicts = [line.rstrip(" |").rsplit("| ", 1)[1] for line in rows[1:]]
    assert len(verdicts) >= 15, goals
    assert set(verdicts) <= {"met", "**missed**", "n/a"}, verdicts
    # Every verdict is a paired figure: a median with its range over the rounds.
    for line in rows[1:]:
        if "× (" in line:
            assert re.search(r"\d\.\d\d× \(\d+\.\d\d–\d+\.\d\d, \d+ rounds?\)", line), line
    for goal in (
        "first cell",
        "small %%openapi cell",
        "client CPU per small call",
        "renders slower",
        "fleet of",
        "beat 8× a loop",
        "OpenSSL DES-ECB",
        "bytes identical",
        "end to end",
        "peak",
        "first answer",
        "replay start-up linear",
        "a full capture linear",
    ):
        assert goal in goals, goal
