"""``python -m tests.emulator``: prints its URL and credentials, honours fault flags, stops on SIGTERM/SIGINT."""
from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys

import pytest
import requests

from ansible_collections.sailpoint.isc.plugins.module_utils._module import isc_argument_spec
from tests.emulator.__main__ import build_parser, faults_from_args

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def start_cli(*args):
    """Start the CLI; returns the process and the variables of the `export NAME=value` lines it prints first."""
    # Not a "with" block: the caller stops it with stop_cli().
    process = subprocess.Popen([sys.executable, "-m", "tests.emulator", "--port", "0"] + list(args),  # pylint: disable=consider-using-with
                               cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    values = {}
    for _attempt in range(4):
        line = process.stdout.readline().rstrip("\n")
        assert line, process.stderr.read() if process.poll() is not None else "no output"
        if line.startswith("#"):
            assert line.startswith("# ISC emulator at %s " % values["SAIL_BASE_URL"]), line
            continue
        words = shlex.split(line)
        assert len(words) == 2 and words[0] == "export", line
        key, _sep, value = words[1].partition("=")
        values[key] = value
    return process, values


def stop_cli(process, sig=signal.SIGTERM):
    """Stop the emulator; returns (exit code, everything it wrote to stderr)."""
    process.send_signal(sig)
    try:
        code = process.wait(timeout=10)
        return code, process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
        process.stdout.close()
        process.stderr.close()


def token(values):
    response = requests.post(values["SAIL_BASE_URL"] + "/oauth/token", timeout=10, data={
        "grant_type": "client_credentials", "client_id": values["SAIL_CLIENT_ID"], "client_secret": values["SAIL_CLIENT_SECRET"]})
    assert response.status_code == 200
    return {"Authorization": "Bearer " + response.json()["access_token"]}


def test_cli_demo_tenant_and_default_rate_limit():
    process, values = start_cli()
    try:
        assert values["SAIL_BASE_URL"].startswith("http://127.0.0.1:")
        assert (values["SAIL_CLIENT_ID"], values["SAIL_CLIENT_SECRET"]) == ("demo-client-id", "demo-client-secret")
        headers = token(values)
        groups = requests.get(values["SAIL_BASE_URL"] + "/v2024/workgroups", headers=headers, timeout=10)
        assert groups.status_code == 200 and len(groups.json()) == 5
        faults = requests.get(values["SAIL_BASE_URL"] + "/__emulator/faults", timeout=10).json()
        assert faults["rate_limit"] == {"requests": 100, "per_seconds": 10}
        # A dropped connection must not print anything (the server is quiet unless --verbose).
        requests.post(values["SAIL_BASE_URL"] + "/__emulator/faults", json={"drop_after_write_rate": 1}, timeout=10)
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.post(values["SAIL_BASE_URL"] + "/v2024/workgroups/bulk-delete", json={"ids": []}, headers=headers, timeout=10)
    finally:
        code, stderr = stop_cli(process)
    assert code == 0 and stderr == ""


def test_cli_flags_seed_file_and_sigint(tmp_path):
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"identities": [{"id": "1" * 32, "name": "Only One"}]}), encoding="utf-8")
    process, values = start_cli("--seed", str(seed), "--client-id", "cid", "--client-secret", "s3c ret'$x", "--rate-limit", "2/10",
                                "--latency-ms", "1", "--token-ttl", "60")
    try:
        assert values["SAIL_CLIENT_ID"] == "cid" and values["SAIL_CLIENT_SECRET"] == "s3c ret'$x"
        headers = token(values)
        url = values["SAIL_BASE_URL"] + "/v2024/identities"
        statuses = [requests.get(url, headers=headers, timeout=10).status_code for _attempt in range(3)]
        assert statuses == [200, 200, 429]
        state = requests.get(values["SAIL_BASE_URL"] + "/__emulator/state", timeout=10).json()
        assert [i["name"] for i in state["identities"]] == ["Only One"]
    finally:
        code, stderr = stop_cli(process, signal.SIGINT)
    assert code == 0 and stderr == ""


def test_cli_prints_a_shell_block_with_the_variables_the_collection_reads():
    """The printed lines, pasted into a shell, set exactly the SAIL_* variables the modules fall back to."""
    process = subprocess.Popen([sys.executable, "-m", "tests.emulator", "--port", "0", "--seed", "empty",  # pylint: disable=consider-using-with
                                "--client-secret", "a b'c"], cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        block = "".join(process.stdout.readline() for _line in range(4))
    finally:
        stop_cli(process)
    shell = subprocess.run(["bash", "-c", 'eval "$1" && env | grep ^SAIL_ | sort', "_", block], capture_output=True, text=True,
                           timeout=30, check=True, env={"PATH": os.environ["PATH"]})
    exported = dict(line.split("=", 1) for line in shell.stdout.splitlines())
    spec = isc_argument_spec()
    read_by_modules = {option: spec[option]["fallback"][1][0] for option in ("base_url", "client_id", "client_secret")}
    assert set(exported) == set(read_by_modules.values()) == {"SAIL_BASE_URL", "SAIL_CLIENT_ID", "SAIL_CLIENT_SECRET"}
    assert exported["SAIL_CLIENT_SECRET"] == "a b'c" and exported["SAIL_CLIENT_ID"] == "demo-client-id"
    assert exported["SAIL_BASE_URL"].startswith("http://127.0.0.1:")


def test_cli_bad_seed_file_exits_with_error(tmp_path):
    seed = tmp_path / "bad.json"
    seed.write_text(json.dumps({"nope": []}), encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "tests.emulator", "--seed", str(seed)], cwd=REPO_ROOT, capture_output=True, text=True,
                            timeout=30, check=False)
    assert result.returncode == 2 and "unknown seed keys" in result.stderr


@pytest.mark.parametrize("argv,expected", [
    ([], {}),
    (["--rate-limit", "off"], {"rate_limit": None}),
    (["--error-rate", "0.2", "--error-statuses", "429,503", "--retry-after", "3"], {"error_rate": 0.2, "error_statuses": [429, 503], "retry_after": 3}),
    (["--faults", '{"latency_ms": 5}', "--drop-after-write-rate", "0.1", "--random-seed", "1"],
     {"latency_ms": 5, "drop_after_write_rate": 0.1, "random_seed": 1}),
    (["--search-delay-ms", "1500"], {"search_delay_ms": 1500}),
])
def test_fault_flags(argv, expected):
    assert faults_from_args(build_parser().parse_args(argv)) == expected
