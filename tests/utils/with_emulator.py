"""Run one command against a freshly started ISC emulator, then stop the emulator.

Used by ``make demo`` and ``make integration``: the emulator lives exactly as long as the
command, and is stopped even when the command fails. The command sees the emulator through the
``SAIL_*`` environment variables (the names SailPoint's CLI and SDKs use) and, for ansible-test,
through an ``integration_config.yml`` written where ``--integration-config`` says.

``--tenants N`` starts N emulators, each a tenant of its own with its own client id and secret (the
first keeps the emulator defaults). The ``SAIL_*`` variables and the config's ``isc_*`` keys name the
first; the config's ``isc_tenants`` lists all of them, for tests that converge several tenants at once.
``--seed`` given several times seeds the tenants in turn (the last seed also seeds the tenants after it).
``--tenant-names sandbox,production`` starts one tenant per name and also exports ``ISC_<NAME>_BASE_URL``,
``ISC_<NAME>_CLIENT_ID`` and ``ISC_<NAME>_CLIENT_SECRET`` for each, the variables docs/examples/tenants reads.

    python -m tests.utils.with_emulator [--seed demo|empty|FILE]... [--tenants N | --tenant-names A,B]
                                        [--integration-config PATH] -- COMMAND...
"""
import argparse
import contextlib
import json
import os
import re
import secrets
import subprocess
import sys

from tests.emulator import Emulator


def _parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", action="append", help="demo (default), empty, or a JSON seed file; once per tenant")
    parser.add_argument("--integration-config", help="write an ansible-test integration_config.yml here")
    parser.add_argument("--rate-limit-off", action="store_true", help="turn the 100 requests / 10 s limit off")
    parser.add_argument("--tenants", type=int, default=1, help="how many emulators (tenants) to start (default 1)")
    parser.add_argument("--tenant-names", help="comma-separated tenant names: one emulator each, ISC_<NAME>_* exported")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    if args.command and args.command[0] == "--":
        args.command = args.command[1:]
    if not args.command:
        parser.error("a command to run is required after --")
    if args.tenant_names:
        args.tenant_names = [name.strip() for name in args.tenant_names.split(",")]
        if not all(re.match(r"\A[A-Za-z][A-Za-z0-9_]*\Z", name) for name in args.tenant_names):
            parser.error("--tenant-names takes names of letters, digits and _, separated by commas")
        args.tenants = len(args.tenant_names)
    if args.tenants < 1:
        parser.error("--tenants must be at least 1")
    args.seed = args.seed or ["demo"]
    return args


def _seed(name):
    if name == "empty":
        return None
    if name == "demo":
        return "demo"
    with open(name, encoding="utf-8") as seed_file:
        return json.load(seed_file)


def _write_integration_config(path, emulators):
    # JSON is valid YAML, and needs no YAML library here.
    first = emulators[0]
    config = {
        "isc_base_url": first.base_url,
        "isc_client_id": first.client_id,
        "isc_client_secret": first.client_secret,
        "isc_tenants": [{"base_url": emu.base_url, "client_id": emu.client_id, "client_secret": emu.client_secret}
                        for emu in emulators],
    }
    with open(path, "w", encoding="utf-8") as config_file:
        json.dump(config, config_file, indent=2)
        config_file.write("\n")


def main(argv=None):
    args = _parse_args(sys.argv[1:] if argv is None else argv)
    faults = {"rate_limit": None} if args.rate_limit_off else None
    seeds = [_seed(args.seed[min(number, len(args.seed) - 1)]) for number in range(args.tenants)]
    with contextlib.ExitStack() as stack:
        emulator = stack.enter_context(Emulator(port=0, seed=seeds[0], faults=faults))
        # Further tenants get credentials of their own, so a test can tell from each emulator's request log
        # whose credentials and tokens reached it.
        others = [stack.enter_context(Emulator(port=0, seed=seeds[number - 1], faults=faults, client_id="tenant%d-client-id" % number,
                                               client_secret=secrets.token_urlsafe(16)))
                  for number in range(2, args.tenants + 1)]
        if args.integration_config:
            _write_integration_config(args.integration_config, [emulator] + others)
        env = dict(os.environ)
        env.update(SAIL_BASE_URL=emulator.base_url, SAIL_CLIENT_ID=emulator.client_id, SAIL_CLIENT_SECRET=emulator.client_secret)
        for name, emu in zip(args.tenant_names or (), [emulator] + others):
            prefix = "ISC_%s_" % name.upper()
            env.update({prefix + "BASE_URL": emu.base_url, prefix + "CLIENT_ID": emu.client_id, prefix + "CLIENT_SECRET": emu.client_secret})
        print("ISC emulator at %s" % emulator.base_url, flush=True)
        for number, other in enumerate(others, 2):
            print("ISC emulator (tenant %d) at %s" % (number, other.base_url), flush=True)
        try:
            return subprocess.call(args.command, env=env)
        finally:
            # The config names a port that dies with the emulator: leave nothing stale behind.
            if args.integration_config and os.path.exists(args.integration_config):
                os.remove(args.integration_config)


if __name__ == "__main__":
    sys.exit(main())
