"""Command line: `serve` the simulator, `create-account` with TBA credentials."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
from pathlib import Path
from typing import Any

from aiohttp import web

from .oauth import canonical_realm
from .server import make_app
from .store import Store

COMMANDS = ("serve", "create-account")


def _fault_pair(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError("use --fault NAME=VALUE")
    return name.strip(), value.strip()


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser."""
    parser = argparse.ArgumentParser(
        prog="python -m netsuite_sandbox", description="NetSuite sandbox simulator"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the simulator server")
    serve.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--data", required=True, help="state directory, or :memory:")
    serve.add_argument(
        "--fault",
        action="append",
        type=_fault_pair,
        default=[],
        metavar="NAME=VALUE",
        help="default fault knob for every account (repeatable), e.g. latency_ms=50",
    )
    create = sub.add_parser("create-account", help="create an account and print its TBA tokens")
    create.add_argument("--data", required=True)
    create.add_argument("--account", required=True, help="account id, e.g. 1234567_SB1")
    create.add_argument("--fixture", type=Path, help="reference data JSON (default: shared)")
    create.add_argument("--concurrency-limit", type=int)
    create.add_argument("--json", action="store_true", help="print the secrets as JSON")
    return parser


async def _serve(args: argparse.Namespace) -> None:
    faults: dict[str, Any] = {name: value for name, value in args.fault}
    store = Store(args.data)
    app = make_app(store, faults)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, args.host, args.port, backlog=512)
    await site.start()
    port = site._server.sockets[0].getsockname()[1] if site._server else args.port  # type: ignore[union-attr]
    # The testing helper reads this exact line to learn the port.
    print(f"NetSuite sandbox listening on http://{args.host}:{port}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
        store.close()


def _create_account(args: argparse.Namespace) -> int:
    account_id = args.account
    if account_id != canonical_realm(account_id):
        print(
            f"Account ids use the realm form: {canonical_realm(account_id)} (not {account_id}).",
            file=sys.stderr,
        )
        return 2
    store = Store(args.data)
    try:
        creds = store.create_account(
            account_id, fixture=args.fixture, concurrency_limit=args.concurrency_limit
        )
    finally:
        store.close()
    if args.json:
        print(json.dumps(creds, indent=2))
        return 0
    # Like NetSuite, the secrets are shown once and cannot be displayed again.
    print(f"Account:          {creds['account_id']}")
    print(f"Consumer key:     {creds['consumer_key']}")
    print(f"Consumer secret:  {creds['consumer_secret']}")
    print(f"Token ID:         {creds['token_id']}")
    print(f"Token secret:     {creds['token_secret']}")
    print("Store these now: the secrets are not shown again.")
    return 0


def normalize_argv(argv: list[str]) -> list[str]:
    """Treat `--port … --data …` without a command as `serve`."""
    if argv and argv[0] not in COMMANDS and argv[0] not in ("-h", "--help"):
        return ["serve", *argv]
    return list(argv)


def main(argv: list[str] | None = None) -> int:
    """Entry point for `python -m netsuite_sandbox`."""
    args = build_parser().parse_args(normalize_argv(list(sys.argv[1:] if argv is None else argv)))
    if args.command == "create-account":
        return _create_account(args)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
