"""The benchmark entry point runs and writes its report (tiny sizes; no timing is checked)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_benchmark_quick_run_writes_a_markdown_report(tmp_path):
    out = tmp_path / "bench.md"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--out", str(out)],
        capture_output=True, text=True, timeout=300, cwd=tmp_path, check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    text = out.read_text(encoding="utf-8")
    assert text.strip() in proc.stdout  # printed and written alike
    for heading in ("## Goals", "## Crypto path", "## Per-call overhead", "## Large replies",
                    "## Fleet"):
        assert heading in text
    # Each section is a Markdown table with data rows.
    assert text.count("|---") >= 6
    for row in ("| 1 KB |", "client.call", "%%openapi cell", "records, encrypted",
                "records, plain", "sequential loop"):
        assert row in text, row
