"""The first cell of a fresh kernel: load the extension, connect, one small call rendered.

Each side runs in a **fresh process** and is measured by that process's own CPU time
(user + system, from ``os.wait4``: it holds on a busy machine better than wall time).
A simulated splicer (encryption on, as shipped) runs in another child process,
started once. Rounds alternate the order of the sides.

* **ours**: a real IPython ``InteractiveShell`` runs ``%load_ext openapi_magic`` +
  ``%openapi_connect --env`` (the secretKey from the environment, as the README
  shows) and then ``%%openapi screen/readList``; IPython's display hook formats the
  Result as a notebook kernel does (every mimebundle formatter, HTML included);
* **bare**: the same fresh ``InteractiveShell`` runs one cell: a hand-written
  ``requests`` call (compact JSON, DES-ECB with pycryptodome, Base64, md5 sign)
  that prints the reply's JSON.

Why ``InteractiveShell`` and not a kernel through nbclient/jupyter_client: a kernel
adds ZMQ, the kernel's own start and the messaging to *both* sides (≈ 1 s of CPU
on this machine), which would only dilute the ratio; the shell runs the same
magic, display hook and formatters ipykernel uses, so the ratio is the stricter one.
For reference, the same bare call as a plain ``python -c`` (no IPython), and
``import pandas`` alone in a fresh interpreter, are measured in the same rounds.
"""

from __future__ import annotations

import sys
from typing import Any

from _common import child_env, fmt_ratio, median, ms, ratios, run_child, splicers, table, verdict

BARE_CALL = r"""
import base64, hashlib, json, os, time
import requests
from Crypto.Cipher import DES
root, pid, key = os.environ["OPENAPI_ROOT"], os.environ["OPENAPI_PID"], os.environ["OPENAPI_SECRET_KEY"]
def md5_b64(text):
    return base64.b64encode(hashlib.md5(text.encode()).hexdigest().encode()).decode()
ts = str(int(time.time() * 1000))
plain = json.dumps({"deviceId": 0}, separators=(",", ":")).encode()
n = 8 - len(plain) % 8
body = base64.b64encode(DES.new(key.encode()[:8], DES.MODE_ECB).encrypt(plain + bytes((n,)) * n)).decode()
reply = requests.post(f"{root}/screen/readList", json={"body": body, "sign": md5_b64(body + ts + pid + key), "pId": pid, "timeStamp": ts}, timeout=10).json()
assert reply["sign"] == md5_b64(reply["body"] + ts + pid + key)
out = DES.new(key.encode()[:8], DES.MODE_ECB).decrypt(base64.b64decode(reply["body"]))
print(json.dumps(json.loads(out[:-out[-1]].decode()), indent=2))
"""

SHELL = r"""
import os, sys
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
for cell in CELLS:
    res = shell.run_cell(cell, store_history=True)
    if not res.success:
        res.raise_error()
if os.environ.get("BENCH_CHECK"):
    data, _ = shell.display_formatter.format(shell.user_ns["_"])
    print("BENCH_CHECK", sorted(data), )
"""

OURS_CELLS = [
    "%load_ext openapi_magic\n%openapi_connect --env",
    '%%openapi screen/readList\n{"deviceId": 0}',
]


def _shell_script(cells: list[str]) -> str:
    return f"CELLS = {cells!r}\n" + SHELL


def run(quick: bool = False, log: Any = print) -> dict:
    rounds = 2 if quick else 7
    py = sys.executable
    with splicers({"encrypt": True}) as (splicer,):
        env = {
            **child_env(),
            "OPENAPI_ROOT": splicer.root,
            "OPENAPI_PID": splicer.pid,
            "OPENAPI_SECRET_KEY": splicer.secret_key,
            "OPENAPI_ENCRYPT": "1",
        }
        cmds = {
            "ours": [py, "-c", _shell_script(OURS_CELLS)],
            "bare": [py, "-c", _shell_script([BARE_CALL])],
            "bare_python": [py, "-c", BARE_CALL],
            "pandas": [py, "-c", "import pandas"],
        }
        # Correctness, untimed: ours rendered HTML; the bare cell printed the reply.
        check = run_child(cmds["ours"], {**env, "BENCH_CHECK": "1"})[2]
        rendered = "text/html" in check and "screen/readList" in check
        printed = '"screens"' in run_child(cmds["bare"], env)[2]
        names = list(cmds)
        samples: dict[str, list[float]] = {n: [] for n in names}
        walls: dict[str, list[float]] = {n: [] for n in names}
        for r in range(rounds):
            log(f"  first cell, round {r + 1}/{rounds}")
            k = r % len(names)
            order = names[k:] + names[:k]
            if r % 2:
                order.reverse()
            for name in order:
                cpu, wall, _ = run_child(cmds[name], env)
                samples[name].append(cpu)
                walls[name].append(wall)
    v = verdict(ratios(samples["ours"], samples["bare"]))
    rows = []
    labels = {
        "ours": "ours: %load_ext + %openapi_connect + %%openapi cell (rendered)",
        "bare": "bare requests call in a fresh InteractiveShell, prints its JSON",
        "bare_python": "the same bare call as plain `python -c` (no IPython)",
        "pandas": "`python -c 'import pandas'` alone",
    }
    for name in names:
        rv = verdict(ratios(samples[name], samples["bare"]))
        rows.append(
            [
                labels[name],
                ms(median(samples[name])),
                ms(median(walls[name])),
                f"**{fmt_ratio(rv)}**" if name == "ours" else fmt_ratio(rv),
            ]
        )
    md = table(
        ["fresh process", "CPU ms (median)", "wall ms (median)", "÷ bare (CPU, per round)"], rows
    )
    md += (
        f"\n\nChecks: ours rendered the Result's HTML: {'yes' if rendered else '**NO**'}; "
        f"the bare cell printed the reply's JSON: {'yes' if printed else '**NO**'}."
    )
    return {
        "verdict": v,
        "checks": {"rendered": rendered, "printed": printed},
        "samples": samples,
        "markdown": md,
    }
