"""``python -m openapi_magic.server``: run a simulated H-series splicer until Ctrl+C.

Prints the root URL and the credentials to use (this is the one place the
secretKey is shown: the user needs it to connect).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import textwrap
import threading
from collections.abc import Sequence

from ..errors import ConfigError
from ._splicer import (
    DEFAULT_HOST,
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_MAX_HELD_BYTES,
    DEFAULT_PORT,
    DEFAULT_TIME_WINDOW_S,
    DEMO_ENCRYPT,
    DEMO_PID,
    DEMO_SECRET_KEY,
    DEMO_SEED,
    FIRMWARE_PROFILES,
    Account,
    SimulatedSplicer,
)

__all__ = ["build_parser", "main"]


def _account(text: str) -> Account:
    # PID:SECRET[:plain][:disabled]
    parts = text.split(":")
    if len(parts) < 2 or not parts[0]:
        raise argparse.ArgumentTypeError("expected PID:SECRET[:plain][:disabled]")
    flags = set(parts[2:])
    unknown = flags - {"plain", "encrypted", "disabled", "enabled"}
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown account flag(s): {', '.join(sorted(unknown))}")
    try:
        return Account(
            parts[0], parts[1], encrypt="plain" not in flags, enabled="disabled" not in flags
        )
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    """The command line of ``python -m openapi_magic.server``."""
    profiles = "\n".join(
        textwrap.fill(
            p.describe(),
            78,
            initial_indent="  ",
            subsequent_indent="    ",
            break_long_words=False,
            break_on_hyphens=False,
        )
        for p in FIRMWARE_PROFILES.values()
    )
    p = argparse.ArgumentParser(
        prog="python -m openapi_magic.server",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Run a simulated NovaStar H-series splicer (a virtual H5) that speaks the "
        "H-series OpenAPI, for tutorials and tests. Demo credentials by default.",
        epilog="firmware profiles (--firmware NAME):\n" + profiles,
    )
    p.add_argument(
        "--firmware",
        default=None,
        choices=list(FIRMWARE_PROFILES),
        help="how the splicer answers, modelled on real firmware (default: 'default', "
        "or with --replay the profile matching the captured firmware; the list "
        "below names each one's evidence)",
    )
    p.add_argument(
        "--replay",
        metavar="FILE",
        default=None,
        help="answer like the splicer captured in FILE (a saved capture, or 'demo' "
        "for the shipped one): its ids, names, replies and failures, with "
        "writes applied on top; the credentials stay the demo ones unless given. A read "
        "the capture never made answers as an unknown read (see --fill)",
    )
    p.add_argument(
        "--fill",
        action="store_true",
        help="with --replay: answer the reads the capture never made from the simulated "
        "device, each marked (a warning in the client, a line in this log)",
    )
    p.add_argument(
        "--host", default=DEFAULT_HOST, help="address to listen on (default %(default)s)"
    )
    p.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help="TCP port (default %(default)s, like a real splicer; 0 picks a free one)",
    )
    p.add_argument("--pid", default=DEMO_PID, help="the pId to accept (default %(default)r)")
    p.add_argument(
        "--secret-key", default=DEMO_SECRET_KEY, help="the secretKey (default: the demo key)"
    )
    p.add_argument(
        "--encrypt",
        action=argparse.BooleanOptionalAction,
        default=DEMO_ENCRYPT,
        help="encryption on or off for this pId (default on)",
    )
    p.add_argument(
        "--account",
        action="append",
        type=_account,
        default=[],
        metavar="PID:SECRET[:plain][:disabled]",
        help="another OpenAPI entry (repeatable); 'disabled' ones answer status 15",
    )
    p.add_argument(
        "--seed", type=int, default=DEMO_SEED, help="device data seed (default %(default)s)"
    )
    p.add_argument("--latency-ms", type=float, default=0, help="delay every reply by this much")
    p.add_argument(
        "--time-window-s",
        type=float,
        default=DEFAULT_TIME_WINDOW_S,
        help="accepted clock skew of timeStamp, in seconds (default ±%(default)g; status 11 outside)",
    )
    p.add_argument(
        "--initialising-s",
        type=float,
        default=0,
        help="answer 912 (still initialising) for this many seconds after start",
    )
    p.add_argument(
        "--reply-sign",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="sign replies (default: as the firmware profile; real firmware sends an "
        "empty sign, only 'teaching' signs)",
    )
    p.add_argument(
        "--status-space",
        action="store_true",
        help="spell the reply key 'status ' with a trailing space, like some firmware",
    )
    p.add_argument(
        "--real-firmware",
        action="store_true",
        help="shorthand for --no-reply-sign --status-space (see also --firmware)",
    )
    p.add_argument(
        "--max-body-bytes",
        type=int,
        default=DEFAULT_MAX_BODY_BYTES,
        help="largest request body accepted (default %(default)s; status 413 above)",
    )
    p.add_argument(
        "--max-held-bytes",
        type=int,
        default=DEFAULT_MAX_HELD_BYTES,
        help="request bytes held across all connections at once (default %(default)s); "
        "past it the connection holding the most being read is closed",
    )
    p.add_argument(
        "--osd-limit",
        type=int,
        default=2,
        help="OSDs that may be shown at once before status 412 (default %(default)s)",
    )
    p.add_argument(
        "--log-level", default="WARNING", help="logging level (DEBUG shows request lines)"
    )
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the splicer until interrupted (Ctrl+C or SIGTERM)."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(name)s %(message)s")
    try:
        splicer = SimulatedSplicer(
            args.pid,
            args.secret_key,
            args.encrypt,
            host=args.host,
            port=args.port,
            accounts=args.account,
            seed=args.seed,
            latency_ms=args.latency_ms,
            time_window_s=args.time_window_s,
            initialising_s=args.initialising_s,
            firmware=args.firmware,
            replay=args.replay,
            fill=args.fill,
            reply_sign=False if args.real_firmware else args.reply_sign,
            status_key="status " if (args.status_space or args.real_firmware) else None,
            max_body_bytes=args.max_body_bytes,
            max_held_bytes=args.max_held_bytes,
            osd_limit=args.osd_limit,
        )
        splicer.start()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(
            f"error: cannot listen on {args.host}:{args.port}: {exc.strerror or exc} "
            "(another splicer running? try --port 0 for a free port)",
            file=sys.stderr,
        )
        return 2
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    quirks = [
        q
        for q, on in (
            ("empty reply sign", not splicer.reply_sign),
            ("'status ' key", splicer.status_key != "status"),
        )
        if on
    ]
    firmware = splicer.firmware
    replaying = (
        f"  replaying:  {args.replay} ({splicer.replay.summary()})\n"
        if splicer.replay is not None
        else ""
    )
    print(
        f"Simulated NovaStar {firmware.model} splicer (seed {splicer.seed}, firmware "
        f"{firmware.name!r}, softwareVersion {firmware.software_version}) is running.\n"
        + replaying
        + f"  root:       {splicer.root}\n"
        f"  pId:        {splicer.pid}\n"
        f"  secretKey:  {splicer.secret_key}\n"
        f"  encryption: {'on' if splicer.encrypt else 'off'}\n"
        + (f"  firmware quirks: {', '.join(quirks)}\n" if quirks else "")
        + "".join(
            f"  other pId:  {a.pid} (encryption {'on' if a.encrypt else 'off'}"
            f"{', disabled' if not a.enabled else ''})\n"
            for a in splicer.accounts[1:]
        )
        + "Press Ctrl+C to stop.",
        flush=True,
    )
    try:
        while not stop.wait(0.5):
            pass
    finally:
        splicer.stop()
        print("Stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
