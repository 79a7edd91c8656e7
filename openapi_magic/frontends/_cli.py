"""``openapi-magic`` (``python -m openapi_magic``): the command line, for a terminal and scripts.

A third front-end beside the magic and the form: it reads argv into a
:class:`~openapi_magic.app.CallSpec`, hands it to :meth:`NotebookSession.run
<openapi_magic.app.NotebookSession.run>` and prints the
:class:`~openapi_magic.app.Outcome` (the terminal magic's text view, or one JSON
object per call with ``--json``), then exits with a code saying what happened.
The secretKey comes from a profile, the environment or a hidden prompt, never
from an argument.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

from ..app._cell import CellError, parse_body, substitute
from ..app._service import CallSpec, Outcome
from ..app._session import NotebookSession
from ..client import _guards as _confirm
from ..client._client import Client, Secret
from ..client._connection import Connection, check_connection
from ..client._result import Result, safe_text
from ..core.catalog import normalize_path
from ..core.settings import TABLE, add_cli_arguments, cli_level
from ..errors import ConfigError, OpenAPIError, SignatureError, StatusError, WriteRefused

__all__ = ["EXIT_FAILED", "EXIT_NOT_SENT", "EXIT_OK", "EXIT_USAGE", "build_parser", "main"]

#: The exit codes (``--help`` lists them).
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_NOT_SENT = 0, 1, 2, 3
#: 128 + SIGPIPE, what a shell tool gives when its reader goes away.
EXIT_PIPE_CLOSED = 141

_EPILOG = """\
exit codes:
  0  ok
  1  the splicer answered a failure (a vendor status other than 0, or a sign
     mismatch under --strict-sign; connect: refused); -k keeps a vendor status at 0
  2  usage: bad options, a body that is not JSON, an unknown profile, a call
     the catalog refuses (--force sends it anyway)
  3  not sent, or no answer: refused as read-only, a declined or unanswerable
     confirm, connection refused, timeout
  141  the reader of the output went away (a closed pipe: | head), as for cat

The connection: -p PROFILE; else --root URL --pid PID (--encrypt asks for the
secretKey with a hidden prompt); else the environment (OPENAPI_PROFILE, or
OPENAPI_ROOT, OPENAPI_PID, OPENAPI_SECRET_KEY, OPENAPI_ENCRYPT). The secretKey
is never an argument."""


class _Usage(Exception):
    """A command line that cannot be run (exit 2)."""


class _Parser(argparse.ArgumentParser):
    """argparse that raises :class:`_Usage` instead of printing and exiting."""

    def error(self, message: str) -> Any:
        raise _Usage(message)


def _connection_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-p", "--profile", metavar="NAME", help="Use this profile.")
    parser.add_argument("--root", metavar="URL", help="The splicer's OpenAPI root URL.")
    parser.add_argument("--pid", metavar="PID", help="The pId (with --root).")
    add_cli_arguments(parser)


def build_parser() -> argparse.ArgumentParser:
    """The command line: ``connect``, ``call``, ``capture``, ``diff``, ``watch``, ``serve``,
    ``settings``, ``evidence``."""
    top = _Parser(
        prog="openapi-magic",
        description="Talk to NovaStar H-series splicers from a terminal or a script.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    sub = top.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def command(name: str, help: str) -> argparse.ArgumentParser:
        made = sub.add_parser(
            name,
            help=help,
            description=help,
            epilog=_EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
            allow_abbrev=False,
        )
        if name not in ("serve", "evidence"):
            _connection_arguments(made)
        if name != "serve":
            made.add_argument("--json", action="store_true", help="One JSON object a line.")
        return made

    command("connect", "Ask the splicer main/initStatus once: answering, refused or unreachable.")
    call = command("call", "Send one call (or a fleet's, with --on / --each).")
    call.add_argument("interface", help="module/action, e.g. screen/readList.")
    call.add_argument("body", nargs="?", help="The JSON body ('-' reads it from stdin).")
    call.add_argument("--on", metavar="NAMES", help="Profiles to call: a,b,c or @FILE.")
    call.add_argument("--each", metavar="NAME=VALUES", help="Once per value ($NAME in BODY).")
    call.add_argument(
        "-n", "--dry-run", action="store_true", help="Show the envelope; send nothing."
    )
    call.add_argument("-f", "--force", action="store_true", help="Send what the catalog refuses.")
    call.add_argument("-t", "--table", metavar="KEY", help="Which part of the body to tabulate.")
    call.add_argument("--workers", type=int, metavar="N", help="Calls in flight (--on/--each).")
    call.add_argument("-k", "--keep-going", action="store_true", help="A vendor status exits 0.")
    call.add_argument("--raw", action="store_true", help="--json: add the envelopes.")

    cap = command("capture", "Capture a splicer read-only (every read interface).")
    cap.add_argument("path", nargs="?", help="Save it to this JSON file.")
    cap.add_argument("-a", "--anonymize", action="store_true", help="Hide serials, MAC and IP.")
    cap.add_argument("--max-seconds", type=float, metavar="S", help="Stop (partial) after S s.")
    cap.add_argument("--max-bytes", type=int, metavar="B", help="Stop (partial) after B bytes.")
    cap.add_argument("--max-records", type=int, metavar="N", help="Follow N records per list.")

    diff = command("diff", "What changed from capture OLD to NEW (or to the splicer now).")
    diff.add_argument("old", help="The older capture file.")
    diff.add_argument("new", nargs="?", help="The newer capture file (omitted: capture now).")
    diff.add_argument("--all", action="store_true", dest="all_fields", help="Volatile fields too.")

    watch = command("watch", "Poll one interface; print the view when it changes.")
    watch.add_argument("interface", help="module/action to poll.")
    watch.add_argument("body", nargs="?", help="The JSON body ('-' reads it from stdin).")
    watch.add_argument("--every", type=float, default=5.0, metavar="S", help="Seconds apart.")
    watch.add_argument("--fields", metavar="A,B", help="Show only these fields.")
    watch.add_argument("--count", type=int, metavar="N", help="Stop after N polls.")
    watch.add_argument("-t", "--table", metavar="KEY", help="Which part of the body to tabulate.")
    watch.add_argument("-f", "--force", action="store_true", help="Poll what the catalog doubts.")

    command("settings", "Every setting: its value and where it comes from.")
    ev = command("evidence", "What real firmware answers: the compatibility matrix.")
    ev.add_argument("paths", nargs="*", metavar="PATH", help="Add these evidence files/folders.")
    ev.add_argument(
        "--markdown", action="store_true", help="The whole document (docs/compatibility.md)."
    )
    ev.add_argument("--html", action="store_true", help="The matrix as an HTML table.")
    ev.add_argument(
        "--all", action="store_true", dest="every_interface", help="Every catalog interface."
    )
    serve = command("serve", "Run the simulated splicer (python -m openapi_magic.server).")
    serve.add_argument("args", nargs=argparse.REMAINDER, help="Its options (serve -h).")
    return top


def _parse(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    """The command's options and words in any order (``call IFACE --read-only BODY`` as
    well as ``call --read-only IFACE BODY``): a command's own parser reads them
    intermixed, which argparse does not do through sub-parsers."""
    top = build_parser()
    commands = next(a for a in top._actions if isinstance(a, argparse._SubParsersAction))
    if not argv or argv[0] not in commands.choices:
        return top.parse_known_args(argv)
    args, extra = commands.choices[argv[0]].parse_known_intermixed_args(argv[1:])
    args.command = argv[0]
    return args, extra


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (see ``openapi-magic --help``)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["serve"]:  # its options are the simulated splicer's own
        from ..server.__main__ import main as serve

        return serve(argv[1:])
    try:
        args, extra = _parse(argv)
        if extra:  # named, never echoed: a value typed after an unknown flag may be a key
            flags = sorted({w.split("=", 1)[0] for w in extra if w.startswith("-")})
            raise _Usage(
                f"unknown option {', '.join(flags)}" if flags else "unexpected extra arguments"
            )
        if args.command == "evidence":  # no splicer: the registry only
            return _evidence(args)
        return _COMMANDS[args.command](args, _session(args))
    except _Usage as exc:
        return _fail(f"usage: {exc} (openapi-magic --help)", None, EXIT_USAGE)
    except WriteRefused as exc:  # a watch of a write, say: refused before anything was sent
        return _fail(exc.message, exc.hint, EXIT_NOT_SENT)
    except (CellError, ConfigError) as exc:
        return _fail(exc.message, exc.hint, EXIT_USAGE)
    except OpenAPIError as exc:  # a capture's or a diff's transport
        return _fail(exc.message, exc.hint, EXIT_NOT_SENT)
    except BrokenPipeError:  # `| head` closed the pipe: no traceback, no message
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_PIPE_CLOSED
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        return _fail(f"{exc.strerror or exc}{where}", None, EXIT_USAGE)
    except KeyboardInterrupt as exc:
        sent = getattr(exc, "openapi_sent", None)
        fate = (
            "nothing was sent"
            if sent is False
            else "the request may have reached the splicer: read the state back"
        )
        return _fail(f"Interrupted: {fate}.", None, EXIT_NOT_SENT)


def _evidence(args: argparse.Namespace) -> int:
    """``openapi-magic evidence``: the matrix of the bundled registry (and PATHs) as text,
    Markdown (the whole compatibility document), HTML or JSON (one object per cell)."""
    from .. import evidence

    registry = evidence.load_registry(*args.paths)
    if args.markdown:
        print(evidence.compatibility_markdown(registry), end="")
        return EXIT_OK
    shown = evidence.matrix(registry, every_interface=args.every_interface)
    if args.html:
        print(shown._repr_html_())
    elif args.json:
        for interface in shown.interfaces:
            for firmware in shown.firmwares:
                cell = {"interface": interface, "firmware": firmware}
                print(json.dumps({**cell, "answer": shown.cell(interface, firmware)}))
    else:
        print(repr(shown))
    return EXIT_OK


def _say(message: str, hint: str | None) -> None:
    """One short line (and a hint) on stderr."""
    print(f"error: {safe_text(message)}", file=sys.stderr)
    if hint:
        print(f"hint: {safe_text(hint)}", file=sys.stderr)


def _fail(message: str, hint: str | None, code: int) -> int:
    """Say what went wrong (:func:`_say`); the exit code."""
    _say(message, hint)
    return code


def _session(args: argparse.Namespace) -> NotebookSession:
    """The session of this run: -p, else --root/--pid (the key from a hidden prompt), else
    the environment (Connection's own order: OPENAPI_ROOT..., then OPENAPI_PROFILE)."""
    connection = Connection(
        profiles_file=getattr(args, "profiles_file", None),
        default_profile=os.environ.get("OPENAPI_PROFILE", ""),
    )
    root, pid = getattr(args, "root", None), getattr(args, "pid", None)
    if bool(root) != bool(pid):
        raise _Usage("--root and --pid go together")
    if root and args.profile:
        raise _Usage("give -p PROFILE or --root URL --pid PID, not both")
    if root and pid:
        key = None
        if args.encrypt:
            # Masked as it arrives: no frame of ours holds the typed key as text.
            key = Secret(
                getpass.getpass(f"secretKey for pId {pid} at {_confirm.public_root(root)}: ")
            )
        client = Client(root, pid, key, encrypt=bool(args.encrypt))
        connection.set(client, "the command line")
    session = NotebookSession(connection)
    session.history.path = getattr(args, "history_file", None)  # --history-file
    return session


# --------------------------------------------------------------------------- call


def _body_text(args: argparse.Namespace) -> str:
    return sys.stdin.read() if args.body == "-" else (args.body or "")


def _each(text: str) -> tuple[str, list[Any]]:
    """``NAME=VALUES``: a JSON list, or comma-separated (each item JSON if it reads as such)."""
    name, sep, values = text.partition("=")
    if not sep or not name.strip().isidentifier() or not values.strip():
        raise _Usage(f"--each takes NAME=VALUES (e.g. inputId=0,1,2), not {text!r}")
    if values.lstrip().startswith("["):
        try:
            items = json.loads(values)
        except json.JSONDecodeError as exc:
            raise _Usage(f"--each {name}: the list is not JSON ({exc.msg})") from None
    else:
        items = [_scalar(v.strip()) for v in values.split(",") if v.strip()]
    if not isinstance(items, list) or not items:
        raise _Usage(f"--each {name}: give at least one value")
    return name.strip(), items


def _scalar(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _targets(text: str) -> list[str]:
    """``--on a,b`` or ``--on @FILE`` (one profile name a line)."""
    if text.startswith("@"):
        with open(text[1:], encoding="utf-8") as f:
            names = [line.strip() for line in f]
    else:
        names = [n.strip() for n in text.split(",")]
    names = [n for n in names if n and not n.startswith("#")]
    if not names:
        raise _Usage("--on names no profile")
    return names


def _call(args: argparse.Namespace, session: NotebookSession) -> int:
    text, bodies, labels, targets = _body_text(args), None, None, None
    if args.each:
        name, items = _each(args.each)
        bodies = [parse_body(substitute(text, {name: item}), 1) for item in items]
        labels = [{name: item} for item in items]
    body = parse_body(substitute(text, {}), 1) if bodies is None else None
    if args.on:
        targets = _targets(args.on)
    if args.dry_run and (bodies is not None or targets is not None):
        raise _Usage("--dry-run shows one call: drop --each/--on to see its envelope")
    if args.workers is not None and args.workers < 1:
        raise _Usage("--workers must be at least 1")
    spec = CallSpec(
        normalize_path(args.interface),
        body,
        bodies=bodies,
        labels=labels,
        targets=targets,
        profile=args.profile,
        settings={**cli_level(args), "fail_on_status": False if args.keep_going else None},
        dry_run=args.dry_run,
        force=args.force,
        records=args.table,
        workers=args.workers,
        origin="cli",
    )
    outcome = session.run(spec, confirm=_ask)
    _show(outcome, args)
    return _code(outcome)


def _ask(write: _confirm.PendingWrite) -> bool:
    """The y/N prompt, its question on stderr (stdout stays the reply's, for pipes)."""
    with contextlib.redirect_stdout(sys.stderr):
        return _confirm.prompt(write)


def _code(outcome: Outcome) -> int:
    """The exit code an outcome means."""
    if outcome.refused is not None:
        return EXIT_USAGE if outcome.refused.why == "validation" else EXIT_NOT_SENT
    calls = getattr(outcome.result, "calls", None)
    if calls is not None and any(c.result is None for c in calls):
        return EXIT_NOT_SENT  # a fleet call that got no answer
    if outcome.error is None or not outcome.failed:
        return EXIT_OK
    if isinstance(outcome.error, (StatusError, SignatureError)) or calls is not None:
        return EXIT_FAILED
    return EXIT_USAGE if isinstance(outcome.error, ConfigError) else EXIT_NOT_SENT


def _show(outcome: Outcome, args: argparse.Namespace) -> None:
    """Print the outcome: the text view (errors short on stderr), or JSON lines."""
    error = outcome.refused.error if outcome.refused is not None else outcome.error
    result = outcome.result
    if args.json:
        for line in _json_lines(outcome, args.raw):
            print(json.dumps(line, ensure_ascii=False, default=str))
    elif outcome.prepared is not None:
        print(outcome.prepared)
    elif result is not None:
        print(result.to_text())
    if isinstance(error, OpenAPIError):
        hint = error.hint
        if outcome.refused is not None and outcome.refused.why == "validation":
            hint = f"{hint or ''} (--force sends it anyway.)".strip()
        elif (
            outcome.refused is not None
            and outcome.refused.why == "read-only"
            and outcome.settings.source("read_only") == "cli"
        ):  # the flag refused it, not the connection: say how to lift that here
            hint = "Drop --read-only to allow writes."
        elif result is not None and not args.json:
            hint = None  # the view above shows the reply's hint
        _say(error.message, hint)
    elif error is not None:
        _say(str(error), None)


def _where(client: Client | None) -> dict[str, Any] | None:
    if client is None:
        return None
    return {"name": client.name, "root": _confirm.public_root(client.root)}


def _reply(result: Result, raw: bool) -> dict[str, Any]:
    out = {
        "status": result.status,
        "msg": result.msg,
        "ok": result.ok,
        "elapsed": result.elapsed,
        "sign": result.sign_verdict,
        "body": result.body,
        "warnings": list(result.warnings),
    }
    if raw:
        out["request"] = result.request_envelope
        out["response"] = result.response_envelope
    return out


def _json_lines(outcome: Outcome, raw: bool) -> list[dict[str, Any]]:
    """One object per call: interface, splicer (no credentials), the reply or the error."""
    spec, result = outcome.spec, outcome.result
    error = outcome.refused.error if outcome.refused is not None else outcome.error
    head: dict[str, Any] = {"interface": spec.interface, "splicer": _where(outcome.client)}
    if isinstance(result, Result):
        return [{**head, **_reply(result, raw), "error": _message(outcome.error)}]
    if result is not None:
        lines = []
        for call in result.calls:
            line: dict[str, Any] = {
                "interface": spec.interface,
                "splicer": {"name": call.splicer, "root": _confirm.public_root(call.root or "")},
                "fields": call.fields,
            }
            if call.result is not None:
                line.update(_reply(call.result, raw))
            else:
                line.update(ok=False, sent=call.in_flight or None)
            lines.append({**line, "error": call.message or None})
        return lines
    line = {**head, "ok": False, "sent": outcome.sent, "warnings": list(outcome.warnings)}
    if outcome.prepared is not None:
        line.update(
            dry_run=True, body=outcome.prepared.body, ok=True, encrypted=outcome.prepared.encrypted
        )
        if raw:
            line["request"] = outcome.prepared.envelope
    if outcome.refused is not None:
        line["refused"] = outcome.refused.why
    line["error"] = _message(error)
    return [line]


def _message(error: BaseException | None) -> str | None:
    if error is None:
        return None
    return safe_text(getattr(error, "message", None) or str(error))


# --------------------------------------------------------------------------- the rest


def _capture(args: argparse.Namespace, session: NotebookSession) -> int:
    from ..ops._captures import DEFAULT_MAX_SECONDS, capture

    cap = capture(
        session.client_for(args.profile),
        anonymize=args.anonymize,
        quiet=not sys.stderr.isatty(),
        max_seconds=DEFAULT_MAX_SECONDS if args.max_seconds is None else args.max_seconds,
        **{k: v for k in ("max_bytes", "max_records") if (v := getattr(args, k)) is not None},
    )
    if args.path:
        saved = cap.save(args.path)
        print(f"Saved to {saved}.", file=sys.stderr if args.json else sys.stdout)
    print(json.dumps(cap.to_dict(), ensure_ascii=False) if args.json else cap)
    return EXIT_OK


def _diff(args: argparse.Namespace, session: NotebookSession) -> int:
    from ..ops._captures import Capture

    volatile = () if args.all_fields else None
    old = Capture.load(args.old)
    if args.new is None:
        found = old.diff(session.client_for(args.profile), volatile=volatile, quiet=True)
    else:
        found = Capture.load(args.new).diff(old, volatile=volatile)
    if not args.json:
        print(found)
    for change in found.changes if args.json else ():
        fields = ("interface", "record", "field", "old", "new", "change")
        print(json.dumps({k: getattr(change, k) for k in fields}, ensure_ascii=False, default=str))
    return EXIT_OK


def _watch(args: argparse.Namespace, session: NotebookSession) -> int:
    from ..ops._watch import Watch

    path = normalize_path(args.interface)
    body = parse_body(substitute(_body_text(args), {}), 1)
    client = session.client_for(args.profile)
    spec = CallSpec(
        path, body, targets=client, settings=cli_level(args), force=args.force, origin="watch"
    )
    checked = session.check(spec)  # resolved and checked once, nothing sent
    if checked.refused is not None:
        _show(checked, args)
        return _code(checked)
    for warning in checked.warnings:
        print(f"Catalog (polled anyway): {safe_text(warning)}", file=sys.stderr)
    watch = Watch(
        client,
        path,
        body,
        every=args.every,
        records=args.table,
        fields=args.fields,
        timeout=checked.settings.timeout,
        encrypt=checked.settings.encrypt,
        show=False,
    )
    print("Watching; Ctrl-C stops.", file=sys.stderr)
    watch.follow(count=args.count)
    return EXIT_OK


def _settings(args: argparse.Namespace, session: NotebookSession) -> int:
    try:
        client: Client | None = session.client_for(args.profile)
    except ConfigError:
        client = None  # the levels above the connection only
    settings = session.resolve(client, cli=cli_level(args))
    for row in TABLE:
        value, source = settings.values[row.name], settings.source(row.name)
        if args.json:
            line = {"name": row.name, "value": value, "source": source, "levels": row.levels}
            print(json.dumps(line))
        else:
            print(f"{row.name} = {value!r} (from {source}; set by {', '.join(row.levels)})")
    return EXIT_OK


def _connect(args: argparse.Namespace, session: NotebookSession) -> int:
    """Ask the splicer ``main/initStatus`` once and print the verdict (exit 0 answering,
    1 refused, 3 unreachable)."""
    client = session.client_for(args.profile)
    verdict = check_connection(client, cli_level(args).get("timeout"))
    if args.json:
        line = {
            "verdict": verdict.kind,
            "root": verdict.root,
            "pid": verdict.pid,
            "status": verdict.status,
            "msg": verdict.result.msg if verdict.result is not None else None,
            "model": verdict.model,
            "model_id": verdict.model_id,
            "firmware": verdict.firmware,
            "message": verdict.message,
        }
        print(json.dumps(line, ensure_ascii=False, default=str))
    elif verdict.failed:
        _say(verdict.headline, verdict.hint)
    else:
        print(verdict.headline)
    return {"ok": EXIT_OK, "refused": EXIT_FAILED}.get(verdict.kind, EXIT_NOT_SENT)


_COMMANDS = {
    "connect": _connect,
    "call": _call,
    "capture": _capture,
    "diff": _diff,
    "watch": _watch,
    "settings": _settings,
}
