"""One session that uses every feature, then a scan of all it produced for the secretKey.

Both modes; vendor failures, decryption and signature errors, transport errors and
timeouts; dry runs; profiles and the hidden prompt; the magic (short errors,
--keep-going, full tracebacks, --each, --on), the form (send, copy as cell, copy
as curl, errors) with its widget state; fleet runs and their errors. Everything is
scanned: outputs, reprs, HTML, exception texts with their tracebacks and chained
causes, log records of every logger at DEBUG, warnings, widget state and history;
then a notebook executed in a real kernel (nbclient, widget state stored) is saved
and the file scanned; and tracebacks printed with ``%xmode Verbose`` (which shows
variables) are scanned too. The secretKey is hunted whole, as its first 8 bytes
(the DES key), in Base64 and in hex (see ``_hardening.secret_forms``).
"""

from __future__ import annotations

import base64
import json
import logging
import os
import sys
import traceback
import warnings

import ipywidgets
import ipywidgets.embed
import nbconvert
import nbformat
import pytest
from _hardening import SECRET, assert_no_secret, fresh_magic, global_shell, watchdog
from IPython.utils.capture import capture_output
from nbclient import NotebookClient
from standin import Reply, StandIn, free_port

from openapi_magic import Client, fleet
from openapi_magic.client._profiles import get_profile
from openapi_magic.core import _des, protocol
from openapi_magic.errors import OpenAPIError
from openapi_magic.frontends._form import form
from openapi_magic.frontends._magics import LAST_ERROR
from openapi_magic.ops.fleet import FleetError
from openapi_magic.server import serve

WAIT = 20
OTHER_KEY = "Someone-Elses-Key-31"


class Scan:
    """Collects every text a session produces."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def add(self, *texts) -> None:
        self.texts += [
            t if isinstance(t, str) else json.dumps(t, default=str, ensure_ascii=False)
            for t in texts
        ]

    def error(self, exc: BaseException) -> None:
        """The message, repr, attributes and full traceback (chained causes included)."""
        self.add(
            str(exc),
            repr(exc),
            repr(vars(exc)),
            "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)),
        )

    def result(self, r) -> None:
        self.add(repr(r), str(r), r._repr_mimebundle_(), repr(vars(r)))
        if hasattr(r, "df"):
            self.add(r.df.to_string())

    @property
    def blob(self) -> str:
        return "\n".join(self.texts)


def _wrong_sign(req):
    env = req.envelope()
    out = protocol.seal_reply(
        0,
        "Success",
        {"a": 1},
        pid=env["pId"],
        timestamp=env["timeStamp"],
        secret_key=SECRET,
        encrypt=True,
    )
    out["sign"] = protocol.sign_plain("1", "someone")
    return Reply.json(out)


def _other_key(req):
    env = req.envelope()
    return Reply.json(
        protocol.seal_reply(
            0,
            "",
            {"a": 1},
            pid=env["pId"],
            timestamp=env["timeStamp"],
            secret_key=OTHER_KEY,
            encrypt=True,
        )
    )


@pytest.mark.slow
def test_one_session_with_every_feature_leaves_no_secret_anywhere(caplog, monkeypatch, tmp_path):
    scan = Scan()
    caplog.set_level(logging.DEBUG)  # the root logger: ours, the server's, urllib3's, ...
    ip = fresh_magic(global_shell(), monkeypatch, tmp_path)
    monkeypatch.setattr("getpass.getpass", lambda prompt: scan.add(prompt) or SECRET)
    monkeypatch.setenv("HALL_SECRET", SECRET)
    profiles = tmp_path / "profiles.ini"
    with (
        watchdog(240),
        warnings.catch_warnings(record=True) as warned,
        serve(secret_key=SECRET, reply_sign=True) as enc,
        serve(secret_key=SECRET, encrypt=False, pid="plain", reply_sign=True) as plain,
        serve(secret_key=OTHER_KEY) as elsewhere,
        StandIn(_wrong_sign, secret_key=SECRET) as forger,
        StandIn(_other_key, secret_key=SECRET) as rekeyed,
        StandIn(lambda req: Reply(b"<html>Bad gateway</html>", status=502)) as proxy,
        StandIn(lambda req: Reply(b"{}", delay=2)) as slow,
    ):
        warnings.simplefilter("always")
        dead = f"http://127.0.0.1:{free_port()}/open/api"
        profiles.write_text(
            f"[hall-a]\nroot = {enc.root}\npid = demo\nencrypt = yes\nsecret_key = {SECRET}\n"
            f"[hall-b]\nroot = {plain.root}\npid = plain\nencrypt = no\n"
            f"[hall-c]\nroot = {enc.root}\npid = demo\nencrypt = yes\n"
            "secret_key_env = HALL_SECRET\n",
            encoding="utf-8",
        )
        monkeypatch.setenv("OPENAPI_MAGIC_PROFILES", str(profiles))
        ip.magics_manager.registry["OpenAPIMagics"].connection.profiles_file = None

        # ------------------------------------------------------------ the client
        clients = {
            "enc": Client.from_splicer(enc, timeout=5),
            "plain": Client.from_splicer(plain, timeout=5),
            "wrong-key": Client(elsewhere.root, "demo", SECRET, encrypt=True, timeout=5),
            "plain-vs-encrypted": Client(enc.root, "demo", SECRET, encrypt=False, timeout=5),
            "encrypted-vs-plain": Client(plain.root, "plain", SECRET, encrypt=True, timeout=5),
            "forged": Client(forger.root, "demo", SECRET, encrypt=True, strict_sign=True),
            "rekeyed": Client(rekeyed.root, "demo", SECRET, encrypt=True),
            "proxy": Client(proxy.root, "demo", SECRET, encrypt=True),
            "slow": Client(slow.root, "demo", SECRET, encrypt=True, timeout=0.5),
            "dead": Client(dead, "demo", SECRET, encrypt=True, timeout=2),
            "profile": get_profile("hall-a").client(),
            "profile-env": get_profile("hall-c").client(),
        }
        scan.add(repr(get_profile("hall-a")), repr(get_profile("hall-c")))
        for c in clients.values():
            scan.add(repr(c), str(c), repr(vars(c)))
            for body in ({"deviceId": 0}, {"deviceId": 0, "screenId": 99}):
                interface = "screen/readList" if len(body) == 1 else "screen/readDetail"
                prepared = c.prepare(interface, body)
                scan.add(
                    repr(prepared),
                    str(prepared),
                    prepared._repr_mimebundle_(),
                    prepared.sign_input,
                    prepared.data.decode(),
                )
                try:
                    r = c.call(interface, body)
                    scan.result(r)
                    r.raise_for_status()
                except OpenAPIError as exc:
                    scan.error(exc)
            try:
                c.call("screen/writeBrightness", {"deviceId": 0, "brightness": 500}, check=True)
            except OpenAPIError as exc:
                scan.error(exc)
        for short in (SECRET[:5], ""):
            try:
                Client(enc.root, "demo", short, encrypt=True)
            except OpenAPIError as exc:
                scan.error(exc)

        # ------------------------------------------------------------ the magic
        ip.user_ns.update(
            enc=enc,
            plain=plain,
            ids=[0, 1, 99],
            rig={
                "enc": enc,
                "plain": plain,
                "wrong": clients["wrong-key"],
                "dead": clients["dead"],
            },
            proxy_client=clients["proxy"],
            rekeyed_client=clients["rekeyed"],
        )
        cells = [
            "%openapi_connect enc",
            "%openapi_connect",
            '%%openapi screen/readList -o a\n{"deviceId": 0}',
            '%%openapi screen/readList --dry-run -o d\n{"deviceId": 0}',
            '%%openapi screen/readList --plain\n{"deviceId": 0}',
            '%%openapi screen/readDetail\n{"deviceId": 0, "screenId": 99}',
            '%%openapi screen/readDetail -k\n{"deviceId": 0, "screenId": 99}',
            '%%openapi screen/writeBrightness\n{"deviceId": 0}',
            '%%openapi screen/readList\n{"deviceId": 0,,}',
            (
                "%%openapi input/readDetail --each inputId=ids -o many\n"
                '{"deviceId": 0, "inputId": $inputId}'
            ),
            '%%openapi screen/readList --on rig -o fl\n{"deviceId": 0}',
            f"%openapi_connect {enc.root} --pid demo --encrypt",
            '%%openapi screen/readList --dry-run\n{"deviceId": 0}',
            "%openapi_connect -p hall-a",
            '%%openapi screen/readList -p hall-b\n{"deviceId": 0}',
            '%%openapi screen/readList -p hall-c\n{"deviceId": 0}',
            "%openapi_connect rekeyed_client",
            '%%openapi screen/readList\n{"deviceId": 0}',
            "%openapi_connect proxy_client",
            '%%openapi screen/readList -k\n{"deviceId": 0}',
            "%config OpenAPIMagics.short_errors = False",
            '%%openapi screen/readList\n{"deviceId": 0}',
            "%openapi_connect rekeyed_client",
            '%%openapi screen/readList\n{"deviceId": 0}',
            "%config OpenAPIMagics.short_errors = True",
            "%openapi_connect enc",
            "%openapi_form screen/readList",
            "import openapi_magic\nopenapi_magic.current_client()",
            "%openapi",
        ]
        for code in cells:
            with capture_output() as cap:
                res = ip.run_cell(code, store_history=True)
            scan.add(cap.stdout, cap.stderr, *(o.data for o in cap.outputs))
            if res.result is not None:
                scan.add(repr(res.result), ip.display_formatter.format(res.result)[0])
            for exc in (res.error_before_exec, res.error_in_exec):
                if exc is not None:
                    scan.error(exc)
        for name in ("a", "d", "many", "fl", LAST_ERROR):
            obj = ip.user_ns.get(name)
            scan.add(repr(obj), str(obj), ip.display_formatter.format(obj)[0])
            if isinstance(obj, BaseException):
                scan.error(obj)
        scan.add(*ip.history_manager.input_hist_raw)

        # ------------------------------------------------------------ the form
        forms = []
        for name in ("enc", "plain", "proxy", "dead", "rekeyed", "slow"):
            f = form(clients[name], interface="screen/readList")
            forms.append(f)
            assert f.send() and f.wait(WAIT)
            for button in (f._copy_cell, f._copy_curl):
                button.click()
                scan.add(f._copy_text.value, f._copy_note.value)
            scan.add(f._target.value, f._clock.value, f._out.outputs, repr(f.result), repr(f.error))
            if f.error is not None:
                scan.error(f.error)
        f = forms[0]
        f.interface = "screen/writeOSD"
        f._raw_toggle.value = True
        assert f.send() and f.wait(WAIT)
        scan.add(f._raw.value, f._out.outputs)
        state = ipywidgets.Widget.get_manager_state(drop_defaults=False)
        scan.add(state, ipywidgets.embed.embed_data(views=forms))
        assert "Raw envelope" in json.dumps(state)  # the scan sees the forms' output

        # ------------------------------------------------------------ fleets
        res = fleet.run(
            {
                **{k: clients[k] for k in ("enc", "plain", "wrong-key", "proxy", "dead", "slow")},
                "hall-a": "hall-a",
            },
            "screen/readList",
            {"deviceId": 0},
            retries=1,
            backoff=0.01,
            progress=False,
            profiles=str(profiles),
        )
        batch = fleet.run(
            clients["enc"],
            "input/readDetail",
            {"deviceId": 0},
            vary={"inputId": [0, 1, 99]},
            progress=False,
        )
        for out in (res, batch):
            scan.add(
                repr(out),
                out.to_text(),
                out.to_html(),
                out.outcomes.to_string(),
                out.df.to_string(),
                *(repr(c) for c in out.calls),
                *(c.message for c in out.calls),
            )
            for call in out.calls:
                if call.error is not None:
                    scan.error(call.error)
            try:
                out.raise_on_failure()
            except FleetError as exc:
                scan.error(exc)
        for f in forms:
            f.close()
    scan.add(
        caplog.text,
        *(r.getMessage() for r in caplog.records),
        *(f"{w.category.__name__}: {w.message}" for w in warned),
    )

    blob = scan.blob
    # the scan saw what it should: both modes, errors of every kind, logs, forms, fleets
    for seen in (
        "sign verified",
        "DRY RUN",
        "status 404",
        "DecryptionError",
        "SignatureError",
        "RequestTimeout",
        "ConnectError",
        "HTTP 502",
        "Traceback",
        "Copy this",
        "OPENAPI_SECRET_KEY",
        "FleetError",
        "encrypted",
        "plain",
        "hall-a",
    ):
        assert seen in blob, seen
    loggers = {r.name.split(".")[0] for r in caplog.records}
    # urllib3 logs only the calls that go by requests (https, proxies): http roots take
    # the light transport, whose lines are openapi_magic's (openapi_magic.client._transport)
    assert "openapi_magic" in loggers, loggers
    assert len(blob) > 200_000
    assert_no_secret(blob)


# --------------------------------------------------------------------------- a saved notebook

NOTEBOOK = [
    (
        "import os\n"
        "from openapi_magic import fleet, form\n"
        "from openapi_magic.server import serve\n"
        "enc = serve(secret_key=os.environ['HARDENING_SECRET'])\n"
        "plain = serve(secret_key=os.environ['HARDENING_SECRET'], encrypt=False, pid='plain')\n"
        "%load_ext openapi_magic\n"
        "%openapi_connect enc"
    ),
    '%%openapi screen/readList -o a\n{"deviceId": 0}',
    '%%openapi screen/readList --dry-run\n{"deviceId": 0}',
    '%%openapi screen/readDetail -k\n{"deviceId": 0, "screenId": 99}',
    '%%openapi screen/readDetail\n{"deviceId": 0, "screenId": 99}',
    "%config OpenAPIMagics.short_errors = False",
    '%%openapi screen/readDetail\n{"deviceId": 0, "screenId": 99}',
    "%openapi_connect plain",
    '%%openapi screen/readList\n{"deviceId": 0}',
    "f = form(enc, interface='screen/readList')\nf",
    "assert f.send() and f.wait(20)\nf._copy_cell.click()\nf._copy_curl.click()\nf.result",
    "g = %openapi_form screen/readDetail\ng",
    (
        "res = fleet.run({'enc': enc, 'plain': plain}, 'screen/readList', {'deviceId': 0},\n"
        "                progress=False)\nres"
    ),
    "a.request_envelope, a.response_envelope, a.raw_text[:200]",
    "enc.stop(); plain.stop()",
]


@pytest.mark.kernel
@pytest.mark.slow
def test_a_saved_notebook_with_widget_state_holds_no_secret(tmp_path, monkeypatch):
    for var in (
        "OPENAPI_ROOT",
        "OPENAPI_PID",
        "OPENAPI_SECRET_KEY",
        "OPENAPI_ENCRYPT",
        "OPENAPI_PROFILE",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("OPENAPI_MAGIC_PROFILES", str(tmp_path / "none.ini"))
    monkeypatch.setenv("HARDENING_SECRET", SECRET)  # the kernel's environment, not the text
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in NOTEBOOK])
    with watchdog(180):
        NotebookClient(
            nb,
            timeout=60,
            kernel_name="python3",
            allow_errors=True,
            store_widget_state=True,
            resources={"metadata": {"path": str(tmp_path)}},
        ).execute()
    path = tmp_path / "session.ipynb"
    nbformat.write(nb, path)
    text = path.read_text(encoding="utf-8")
    errors = [o for c in nb.cells for o in c.outputs if o.output_type == "error"]
    assert [e.ename for e in errors] == ["OpenAPICellError", "StatusError"], [
        (e.ename, e.evalue) for e in errors
    ]
    state = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    assert "Raw envelope" in json.dumps(state)  # the form's reply is in the saved state
    for seen in ("sign absent", "DRY RUN", "status 404", "OPENAPI_SECRET_KEY", "Outcomes"):
        assert seen in text, seen
    assert_no_secret(text)


# --------------------------------------------------------------------------- verbose tracebacks

#: The key, read where the cell runs (the cell's own line shows no mapping holding it).
_KEY = "import os\nfrom openapi_magic import Client\ndef key():\n    return os.environ['OPENAPI_SECRET_KEY']"

VERBOSE_CELLS = [
    # a reply that does not decrypt (the client's frames held the key while opening it)
    (
        "%openapi_connect rekeyed --no-check",
        '%%openapi screen/readList\n{"deviceId": 0}',
        "DecryptionError",
    ),
    # a body that cannot be encrypted (sealing holds the key)
    (
        "%openapi_connect rekeyed --no-check",
        '%%openapi screen/rename -f\n{"deviceId": 0, "name": NaN}',
        "ConfigError",
    ),
    # a forged sign in strict mode (checking it holds the key)
    (
        "%openapi_connect forged --no-check",
        '%%openapi screen/readList\n{"deviceId": 0}',
        "SignatureError",
    ),
    # from Python: the environment holds the key, and OPENAPI_ENCRYPT is unreadable
    (
        "import os\nos.environ['OPENAPI_ENCRYPT'] = 'maybe'",
        "from openapi_magic import Client\nClient.from_env()",
        "ConfigError",
    ),
    (
        "import os\nos.environ['OPENAPI_ENCRYPT'] = '1'",
        "from openapi_magic import Client\nClient.from_env().call('screen/readList', {})",
        "DecryptionError",
    ),
    # issue 26: a profile-name typo with the key in os.environ (#1); refused keys (#2)
    (
        "import os",
        "from openapi_magic.client import get_profile\nget_profile('hall-b')",
        "ConfigError",
    ),
    (_KEY, "Client(rekeyed.root, 'demo', key().encode(), encrypt=True)", "ConfigError"),
    (_KEY, "Client(rekeyed.root, 'demo', key() + '\\udc80', encrypt=True)", "ConfigError"),
]


@pytest.mark.parametrize(
    "setup,cell,error",
    VERBOSE_CELLS,
    ids=[
        "decrypt",
        "seal",
        "strict-sign",
        "from-env",
        "env-call",
        "profile-typo",
        "bytes-key",
        "surrogate-key",
    ],
)
def test_even_verbose_tracebacks_show_no_secret(setup, cell, error, monkeypatch, tmp_path):
    """%xmode Verbose prints every frame's local variables: none may hold the secretKey."""
    ip = fresh_magic(global_shell(), monkeypatch, tmp_path)
    with (
        StandIn(_other_key, secret_key=SECRET) as rekeyed,
        StandIn(_wrong_sign, secret_key=SECRET) as forger,
    ):
        monkeypatch.setenv("OPENAPI_ROOT", rekeyed.root)
        monkeypatch.setenv("OPENAPI_PID", "demo")
        monkeypatch.setenv("OPENAPI_SECRET_KEY", SECRET)
        monkeypatch.setenv("HALL_A_SECRET", SECRET)  # as the profiles docs say, set last
        ip.user_ns["rekeyed"] = Client(rekeyed.root, "demo", SECRET, encrypt=True)
        ip.user_ns["forged"] = Client(forger.root, "demo", SECRET, encrypt=True, strict_sign=True)
        with capture_output() as cap:
            for code in (setup, "%config OpenAPIMagics.short_errors = False", "%xmode Verbose"):
                assert ip.run_cell(code).success, code
            try:
                res = ip.run_cell(cell)
            finally:
                ip.run_cell("%xmode Context")
    shown = cap.stdout + cap.stderr
    assert res.error_in_exec is not None and error in shown, shown[-2000:]
    assert "Traceback" in shown or "---------" in shown  # a verbose traceback was printed
    assert_no_secret(shown)


# --------------------------------------------------------------------------- every failure path


#: Played by a stand-in in this process; the kernel connects to it over loopback.
def _huge_int(req):
    env = req.envelope()
    plain = ('{"deviceId": 0, "n": ' + "7" * 5_000 + "}").encode("utf-8")
    body = base64.b64encode(
        bytes(_des.ecb_encrypt(protocol.Secret(SECRET), protocol._pad(plain)))
    ).decode("ascii")
    return Reply.json(
        {
            "status": 0,
            "msg": "",
            "sign": "",
            "body": body,
            "pId": env["pId"],
            "timeStamp": env["timeStamp"],
        }
    )


_SETUP = """\
import json, os, threading, types
import openapi_magic, openapi_magic.client
from openapi_magic import Client, fleet, form, protocol, _des
from openapi_magic.server import serve
def key():
    return os.environ['HARDENING_SECRET']
class Cfg:
    '''A splicer-like configuration (its repr shows no key).'''
    def __init__(self, root, encrypt=True):
        self.root, self.pid, self.encrypt = root, 'demo', encrypt
    secret_key = property(lambda self: key())
    def __repr__(self):
        return '<Cfg>'
enc = serve(secret_key=key())
big = Client(os.environ['HUGE_ROOT'], 'demo', key(), encrypt=True, timeout=10)
c = Client.from_splicer(enc, timeout=10)
PROFILES = (f"[hall-a]\\nroot = {enc.root}\\npid = demo\\nencrypt = true\\n"
            "secret_key_env = HALL_A_SECRET\\n")
def key_line():
    return "secret_key = " + key() + "\\n"
def profiles(name, text):
    '''Write a profiles file (a lone surrogate stands for a byte that is not UTF-8).'''
    with open(name, 'wb') as f:
        f.write(text.encode('utf-8', 'surrogateescape'))
    os.environ['OPENAPI_MAGIC_PROFILES'] = os.path.abspath(name)
%load_ext openapi_magic
%openapi_connect enc
%config OpenAPIMagics.short_errors = False
%xmode Verbose"""


def _raise(kind):
    # the client's thread only: the simulated splicer in the kernel shares these modules
    return (
        f"def boom(*a, **k):\n    if threading.current_thread() is threading.main_thread():"
        f"\n        raise {kind}('injected deep inside')\n    return orig(*a, **k)\n"
    )


#: (cell, the error it must show). Each cell undoes what it patched.
_FAILURES = [
    # a reply whose decrypted JSON holds an int past Python's 4,300-digit limit
    ("big.call('screen/readList', {'deviceId': 0})", "DecodeError|DecryptionError"),
    ('%%openapi screen/readList --timeout 10\n{"deviceId": 0}', "OpenAPIError|"),
    # KeyboardInterrupt at the DES call, while sealing (the innermost frame that needs the key)
    (
        "orig = _des._key\n" + _raise("KeyboardInterrupt") + "_des._key = boom\ntry:\n"
        "    c.call('screen/readList', {'deviceId': 0})\nfinally:\n    _des._key = orig",
        "KeyboardInterrupt",
    ),
    # ... while decrypting a reply (after DES ran)
    (
        "orig = _des.ecb_decrypt\ndef late(*a, **k):\n    out = orig(*a, **k)\n"
        "    if threading.current_thread() is threading.main_thread():\n"
        "        raise KeyboardInterrupt\n    return out\n"
        "_des.ecb_decrypt = late\ntry:\n    c.call('screen/readList', {'deviceId': 0})\nfinally:\n"
        "    _des.ecb_decrypt = orig",
        "KeyboardInterrupt",
    ),
    # ... while parsing the decrypted text
    # (json's, and msgspec's first when it is installed: openapi_magic.core._fast)
    (
        "orig = json.loads\n"
        + _raise("KeyboardInterrupt")
        + "protocol.json = types.SimpleNamespace(loads=boom, "
        "dumps=json.dumps, JSONDecodeError=json.JSONDecodeError)\n"
        "from openapi_magic import _fast\nfast_orig = _fast.try_loads\n"
        "def fast_boom(*a, **k):\n    if threading.current_thread() is threading.main_thread():\n"
        "        raise KeyboardInterrupt('injected deep inside')\n    return fast_orig(*a, **k)\n"
        "_fast.try_loads = fast_boom\ntry:\n"
        "    c.call('screen/readList', {'deviceId': 0})\nfinally:\n    protocol.json = json\n"
        "    _fast.try_loads = fast_orig",
        "KeyboardInterrupt",
    ),
    # a RecursionError and a failing dict subclass while sealing a body
    (
        "deep = []\nfor _ in range(100_000):\n    deep = [deep]\n"
        "c.call('screen/readList', {'deviceId': 0, 'x': deep})",
        "RecursionError",
    ),
    (
        "class Bad(dict):\n    def items(self):\n        raise RuntimeError('no items')\n"
        "    def keys(self):\n        raise RuntimeError('no keys')\n"
        "c.call('screen/readList', {'deviceId': 0, 'x': Bad(a=1)})",
        "RuntimeError",
    ),
    # an exception from deep inside: the md5 of the sign, the DES key handed to OpenSSL
    (
        "import hashlib\norig = hashlib.md5\n"
        + _raise("ValueError")
        + "protocol.hashlib = types.SimpleNamespace(md5=boom)\ntry:\n"
        "    c.call('screen/readList', {'deviceId': 0})\nfinally:\n"
        "    import hashlib; protocol.hashlib = hashlib",
        "ValueError",
    ),
    (
        "orig = _des._key\n" + _raise("MemoryError") + "_des._key = boom\ntry:\n"
        '    %openapi screen/readList {"deviceId": 0}\nfinally:\n    _des._key = orig',
        "MemoryError",
    ),
    # bad arguments, the key already given
    ("Client(enc.root, 'demo', key(), encrypt=True, timeout='soon')", "ConfigError"),
    ("Client('ftp://nowhere', 'demo', key(), encrypt=True)", "ConfigError"),
    ("Client(enc.root, 'demo', key(), encrypt=True, max_reply_bytes='lots')", "ValueError"),
    ("Client.from_splicer(enc, timeout=-1)", "ConfigError"),
    ("Client.from_splicer(enc, colour='red')", "TypeError"),
    ("form(Cfg('ftp://nowhere'))", "ConfigError"),
    ("form(Cfg(enc.root), timeout='soon')", "Error"),
    (
        "r = fleet.run([Cfg('ftp://nowhere')], 'screen/readList', {'deviceId': 0}, progress=False)\n"
        "r.raise_on_failure()",
        "Error",
    ),
    (
        "r = fleet.run([Cfg(enc.root)], 'screen/readList', {'deviceId': 0}, progress=False, "
        "timeout='soon')\nprint(r.to_text())\nr.raise_on_failure()",
        "Error",
    ),
    # and what a Client holds, as text
    (
        "print([str(v) for v in vars(c).values()], [repr(v) for v in vars(c).values()])\n"
        "raise RuntimeError('shown')",
        "RuntimeError",
    ),
    # issue 26 #1: the key in os.environ as the docs say (last set: the tail a Verbose
    # frame header keeps), then a profile-name typo through every way of naming one
    (
        "os.environ['HALL_A_SECRET'] = key()\nprofiles('good.ini', PROFILES)\n"
        "openapi_magic.capture('hall-b')",
        "ConfigError",
    ),
    ("openapi_magic.client.get_profile('hall-b')", "ConfigError"),
    ("%openapi_capture -q -p hall-b", "UsageError: No profile 'hall-b'"),
    ("%openapi_connect -p hall-b", "UsageError: No profile 'hall-b'"),
    (
        "r = fleet.run(['hall-a', 'hall-b'], 'screen/readList', {'deviceId': 0}, "
        "progress=False)\nr.raise_on_failure()",
        "Error",
    ),
    # ... and a profiles file with a duplicate option, no section header, a byte that is
    # not UTF-8 (#3): each next to a line holding the key
    (
        "profiles('dup.ini', PROFILES + 'pid = 2\\n')\nopenapi_magic.client.get_profile('hall-a')",
        "ConfigError",
    ),
    ("profiles('head.ini', key_line() + PROFILES)\nopenapi_magic.capture('hall-a')", "ConfigError"),
    (
        "profiles('bytes.ini', PROFILES + key_line() + '\\udcff\\n')\nopenapi_magic.client.load_profiles()",
        "ConfigError",
    ),
    # #2: a bytes key, and one holding a lone surrogate
    ("Client(enc.root, 'demo', key().encode(), encrypt=True)", "ConfigError"),
    ("Client(enc.root, 'demo', key() + '\\udc80', encrypt=True)", "ConfigError"),
    # #1: %openapi_connect --env with the key in the environment and a setting unreadable
    (
        "os.environ.update(OPENAPI_ROOT=enc.root, OPENAPI_PID='demo', "
        "OPENAPI_SECRET_KEY=key(), OPENAPI_ENCRYPT='maybe')\ntry:\n"
        "    %openapi_connect --env\nfinally:\n"
        "    for k in ('OPENAPI_ROOT', 'OPENAPI_PID', 'OPENAPI_SECRET_KEY', 'OPENAPI_ENCRYPT'):\n"
        "        del os.environ[k]",
        "UsageError|ConfigError",
    ),
]


@pytest.mark.kernel
@pytest.mark.slow
def test_every_failure_path_in_a_real_kernel_in_verbose_mode_shows_no_secret(tmp_path, monkeypatch):
    """Each failure the hardening tests provoke, in a real kernel with ``%xmode Verbose``
    (every frame's variables printed): nothing shown or saved holds the key in any form."""
    for var in (
        "OPENAPI_ROOT",
        "OPENAPI_PID",
        "OPENAPI_SECRET_KEY",
        "OPENAPI_ENCRYPT",
        "OPENAPI_PROFILE",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("OPENAPI_MAGIC_PROFILES", str(tmp_path / "none.ini"))
    monkeypatch.setenv("HARDENING_SECRET", SECRET)
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
    with StandIn(_huge_int, secret_key=SECRET) as huge:
        monkeypatch.setenv("HUGE_ROOT", huge.root)
        cells = (
            [_SETUP, "%openapi_connect big"]
            + [code for code, _ in _FAILURES[:2]]
            + ["%openapi_connect enc"]
            + [code for code, _ in _FAILURES[2:]]
            + ["enc.stop()"]
        )
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
        with watchdog(240):
            NotebookClient(
                nb,
                timeout=60,
                kernel_name="python3",
                allow_errors=True,
                resources={"metadata": {"path": str(tmp_path)}},
            ).execute()
    path = tmp_path / "failures.ipynb"
    nbformat.write(nb, path)
    text = path.read_text(encoding="utf-8")
    failing = [nb.cells[i] for i in (2, 3, *range(5, 5 + len(_FAILURES) - 2))]
    for cell, (code, error) in zip(failing, _FAILURES):
        # an error with its traceback; a magic's UsageError is one line on stderr
        shown = "\n".join(
            o.ename + "\n" + "\n".join(o.traceback)
            if o.output_type == "error"
            else o.get("text", "")
            for o in cell.outputs
        )
        assert any(e in shown for e in error.split("|") if e), (code, shown[-3000:])
    for cell in nb.cells[:1] + nb.cells[4:5] + nb.cells[-1:]:
        assert not [o for o in cell.outputs if o.output_type == "error"], cell.outputs
    # the scan sees frame variables: the masked key is printed where the key was held
    assert "Secret('********')" in text and "secret_key" in text
    assert "4,300 digits" in text  # the huge int is named, not an AttributeError
    assert "<environment>" in text  # and the environment where a lookup held it
    assert_no_secret(text)
    # what a crew shares: the notebook as nbconvert's HTML
    html, _ = nbconvert.HTMLExporter().from_notebook_node(nb)
    assert "not UTF-8 text (line" in html and "No profile" in html
    assert_no_secret(html)
