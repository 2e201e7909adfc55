"""``python -m tests.emulator``: prints its URL and credentials, honours fault flags, stops on SIGTERM/SIGINT."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest
import requests

from tests.emulator.__main__ import build_parser, faults_from_args

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def start_cli(*args):
    # Not a "with" block: the caller stops it with stop_cli().
    process = subprocess.Popen([sys.executable, "-m", "tests.emulator", "--port", "0"] + list(args),  # pylint: disable=consider-using-with
                               cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    values = {}
    for _attempt in range(4):
        line = process.stdout.readline().strip()
        assert "=" in line, (line, process.stderr.read() if process.poll() is not None else "")
        key, _sep, value = line.partition("=")
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
    response = requests.post(values["ISC_TOKEN_URL"], timeout=10, data={
        "grant_type": "client_credentials", "client_id": values["ISC_CLIENT_ID"], "client_secret": values["ISC_CLIENT_SECRET"]})
    assert response.status_code == 200
    return {"Authorization": "Bearer " + response.json()["access_token"]}


def test_cli_demo_tenant_and_default_rate_limit():
    process, values = start_cli()
    try:
        assert values["ISC_BASE_URL"].startswith("http://127.0.0.1:")
        assert values["ISC_TOKEN_URL"] == values["ISC_BASE_URL"] + "/oauth/token"
        assert (values["ISC_CLIENT_ID"], values["ISC_CLIENT_SECRET"]) == ("demo-client-id", "demo-client-secret")
        headers = token(values)
        groups = requests.get(values["ISC_BASE_URL"] + "/v2024/workgroups", headers=headers, timeout=10)
        assert groups.status_code == 200 and len(groups.json()) == 4
        faults = requests.get(values["ISC_BASE_URL"] + "/__emulator/faults", timeout=10).json()
        assert faults["rate_limit"] == {"requests": 100, "per_seconds": 10}
        # A dropped connection must not print anything (the server is quiet unless --verbose).
        requests.post(values["ISC_BASE_URL"] + "/__emulator/faults", json={"drop_after_write_rate": 1}, timeout=10)
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.post(values["ISC_BASE_URL"] + "/v2024/workgroups/bulk-delete", json={"ids": []}, headers=headers, timeout=10)
    finally:
        code, stderr = stop_cli(process)
    assert code == 0 and stderr == ""


def test_cli_flags_seed_file_and_sigint(tmp_path):
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"identities": [{"id": "1" * 32, "name": "Only One"}]}), encoding="utf-8")
    process, values = start_cli("--seed", str(seed), "--client-id", "cid", "--client-secret", "sec", "--rate-limit", "2/10",
                                "--latency-ms", "1", "--token-ttl", "60")
    try:
        assert values["ISC_CLIENT_ID"] == "cid"
        headers = token(values)
        url = values["ISC_BASE_URL"] + "/v2024/identities"
        statuses = [requests.get(url, headers=headers, timeout=10).status_code for _attempt in range(3)]
        assert statuses == [200, 200, 429]
        state = requests.get(values["ISC_BASE_URL"] + "/__emulator/state", timeout=10).json()
        assert [i["name"] for i in state["identities"]] == ["Only One"]
    finally:
        code, stderr = stop_cli(process, signal.SIGINT)
    assert code == 0 and stderr == ""


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
])
def test_fault_flags(argv, expected):
    assert faults_from_args(build_parser().parse_args(argv)) == expected
