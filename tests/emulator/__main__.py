"""Command line: ``python -m tests.emulator --port 8089`` (run from the repository root); see README.md."""
from __future__ import annotations

import argparse
import json
import shlex
import signal
import sys
import threading
from typing import Any, Dict, List, Optional

from .faults import parse_rate_limit
from .server import Emulator


def _status_list(text: str) -> List[int]:
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError("expected comma-separated status codes, e.g. 429,503") from None


def _rate_limit(text: str) -> Any:
    try:
        return parse_rate_limit(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tests.emulator", description="SailPoint ISC Governance Groups API emulator.")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to bind (default 0: a free port; the URL is printed)")
    parser.add_argument("--seed", default="demo", help="demo (default), empty, or a JSON seed file")
    parser.add_argument("--client-id", default="demo-client-id", help="client id of the API client (PAT, all scopes)")
    parser.add_argument("--client-secret", default="demo-client-secret", help="its secret")
    parser.add_argument("--token-ttl", type=float, default=749, help="access token lifetime in seconds (default 749)")
    parser.add_argument("--error-rate", type=float, help="share of API calls answered with an injected error (0..1)")
    parser.add_argument("--error-statuses", type=_status_list, help="statuses to inject, e.g. 429,503 (default 429,500,502,503,504)")
    parser.add_argument("--retry-after", type=int, help="Retry-After seconds on injected 429s (default 1)")
    parser.add_argument("--latency-ms", type=float, help="latency added to every API call")
    parser.add_argument("--drop-after-write-rate", type=float, help="share of successful writes answered by closing the connection")
    parser.add_argument("--rate-limit", type=_rate_limit, default=argparse.SUPPRESS,
                        help="REQUESTS/SECONDS per client and API version, or off (default 100/10)")
    parser.add_argument("--random-seed", type=int, help="seed for the fault dice")
    parser.add_argument("--search-delay-ms", type=float, help="how long a changed identity takes to reach search (default 0)")
    parser.add_argument("--faults", help="fault configuration as a JSON object (flags override its keys)")
    parser.add_argument("--verbose", action="store_true", help="log every request and server errors to stderr")
    return parser


def faults_from_args(args: argparse.Namespace) -> Dict[str, Any]:
    faults: Dict[str, Any] = json.loads(args.faults) if args.faults else {}
    for key in ("error_rate", "error_statuses", "retry_after", "latency_ms", "drop_after_write_rate", "random_seed", "search_delay_ms"):
        value = getattr(args, key)
        if value is not None:
            faults[key] = value
    if hasattr(args, "rate_limit"):
        faults["rate_limit"] = args.rate_limit
    return faults


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        emu = Emulator(host=args.host, port=args.port, seed=args.seed, client_id=args.client_id, client_secret=args.client_secret,
                       faults=faults_from_args(args), token_ttl=args.token_ttl, verbose=args.verbose)
    except (ValueError, OSError) as exc:
        print("error: %s" % exc, file=sys.stderr)
        return 2
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    emu.start()
    # A ready shell block: the SAIL_* names are the ones the collection's modules read (and SailPoint's CLI and
    # SDKs), so pasting the lines (or `eval`) into the shell that runs ansible-playbook is the whole setup.
    for name, value in (("SAIL_BASE_URL", emu.base_url), ("SAIL_CLIENT_ID", emu.client_id),
                        ("SAIL_CLIENT_SECRET", emu.client_secret)):
        print("export %s=%s" % (name, shlex.quote(value)))
    print("# ISC emulator at %s (token URL %s/oauth/token). Paste the export lines above into the shell that runs "
          "ansible-playbook; Ctrl-C here stops the emulator." % (emu.base_url, emu.base_url))
    sys.stdout.flush()
    while not stop.wait(0.5):
        pass
    emu.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
