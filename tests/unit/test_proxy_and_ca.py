# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A corporate proxy and an internal CA, through the standard environment variables only.

The client sends every request with ``requests`` (``verify=True`` unless validate_certs is false), and
``requests`` reads HTTP_PROXY / HTTPS_PROXY / NO_PROXY and REQUESTS_CA_BUNDLE from the environment. These
tests prove it for the modules as users run them: a real ``ansible-playbook`` whose module process inherits
the environment, against the emulator behind

* a forwarding proxy on loopback (proxy.py, a maintained proxy from PyPI, with a plugin that records every
  request it forwards), and
* a TLS front on loopback whose certificate comes from a throwaway CA (trustme), as a TLS-inspecting
  corporate proxy or an internal gateway would present one.

What is proven: a plain-http base URL goes through HTTP_PROXY, and so does a loopback address (requests
does not bypass 127.0.0.1 by itself on Linux; it does once NO_PROXY names it); an https base URL goes
through HTTPS_PROXY as a CONNECT tunnel; a certificate of an internal CA is accepted when
REQUESTS_CA_BUNDLE names the CA and refused, with a clear message, when it does not.
"""
from __future__ import annotations

import json
import os
import socket
import ssl
import textwrap
import threading

import pytest

from ansible_collections.sailpoint.isc.plugins.modules import workgroup_info
from tests.utils.playbook import run_playbook, start_module_process

proxy = pytest.importorskip("proxy")
trustme = pytest.importorskip("trustme")
from proxy.http.proxy import HttpProxyBasePlugin  # noqa: E402  pylint: disable=wrong-import-position

# proxy.py forks its acceptor process from this (threaded) pytest process; the child only runs the proxy.
pytestmark = [pytest.mark.processes,
              pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")]

PLAYBOOK = textwrap.dedent("""\
    - name: Read the governance groups through whatever the environment says
      hosts: localhost
      gather_facts: false
      tasks:
        - name: Read every group
          sailpoint.isc.workgroup_info:
            max_retries: 0
            request_timeout: 10
          register: result
        - name: Show how many
          ansible.builtin.debug:
            msg: "GROUPS {{ result.workgroups | length }}"
    """)

RECORD_ENV = "ISC_TEST_PROXY_RECORD"


class Recorder(HttpProxyBasePlugin):
    """proxy.py plugin: appends "METHOD host:port path" of every request it forwards to the file in $ISC_TEST_PROXY_RECORD.

    A CONNECT is recorded when its tunnel opens (the requests inside are encrypted), any other request when it
    passes (several can share one upstream connection). proxy.py runs its acceptor in another process, hence a
    file and not a list.
    """

    @staticmethod
    def _record(request):
        with open(os.environ[RECORD_ENV], "a", encoding="utf-8") as record:
            record.write("%s %s:%s %s\n" % (request.method.decode(), request.host.decode(), request.port, (request.path or b"").decode()))

    def before_upstream_connection(self, request):  # pylint: disable=missing-function-docstring
        if request.method == b"CONNECT":
            self._record(request)
        return request

    def handle_client_request(self, request):  # pylint: disable=missing-function-docstring
        if request.method != b"CONNECT":
            self._record(request)
        return request

    def handle_upstream_chunk(self, chunk):  # pylint: disable=missing-function-docstring
        return chunk

    def on_upstream_connection_close(self):  # pylint: disable=missing-function-docstring
        return None


@pytest.fixture(name="forward_proxy")
def forward_proxy_fixture(tmp_path, monkeypatch):
    """A proxy.py forward proxy on 127.0.0.1; yields (proxy URL, function returning the recorded lines)."""
    record = tmp_path / "proxy-requests.txt"
    record.write_text("")
    monkeypatch.setenv(RECORD_ENV, str(record))
    with proxy.Proxy(["--hostname", "127.0.0.1", "--port", "0", "--num-acceptors", "1", "--threaded"], plugins=[Recorder]) as server:
        yield "http://127.0.0.1:%d" % server.flags.port, lambda: record.read_text().splitlines()


class TlsFront:
    """TLS on 127.0.0.1 in front of the plain-http emulator: decrypts and forwards each connection's bytes."""

    def __init__(self, context, backend_port):
        self._context = context
        self._backend = ("127.0.0.1", backend_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self):
        while True:
            try:
                raw = self._listener.accept()[0]
            except OSError:
                return
            threading.Thread(target=self._serve, args=(raw,), daemon=True).start()

    def _serve(self, raw):
        try:
            tls = self._context.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError):
            raw.close()  # the client refused our certificate: the test case for an unknown CA
            return
        backend = socket.create_connection(self._backend)
        threading.Thread(target=_pump, args=(backend, tls), daemon=True).start()
        _pump(tls, backend)

    def close(self):
        self._listener.close()


def _pump(source, sink):
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (source, sink):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


@pytest.fixture(name="internal_ca")
def internal_ca_fixture(emulator, tmp_path):
    """The emulator behind TLS with a certificate of a throwaway CA; yields (https base URL, CA bundle path)."""
    authority = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("localhost", "127.0.0.1").configure_cert(context)
    bundle = tmp_path / "internal-ca.pem"
    authority.cert_pem.write_to_path(str(bundle))
    front = TlsFront(context, emulator.port)
    yield "https://localhost:%d" % front.port, str(bundle)
    front.close()


def _run(emulator, tmp_path, base_url, extra_env, playbook=PLAYBOOK):
    """The playbook with the tenant in SAIL_*; run_playbook drops the calling shell's proxy and CA settings, so each
    case sets exactly what it tests."""
    env = dict(SAIL_BASE_URL=base_url, SAIL_CLIENT_ID=emulator.client_id, SAIL_CLIENT_SECRET=emulator.client_secret)
    return run_playbook(playbook, tmp_path, env=dict(env, **extra_env))


def _seed_one_group(emulator):
    owner = "00000000000000000000000000000d01"
    emulator.seed({"identities": [{"id": owner, "name": "Owner One"}],
                   "groups": [{"id": "00000000000000000000000000000d02", "name": "Behind The Proxy", "owner": owner}]})


def test_http_proxy_carries_every_request_even_to_loopback(emulator, forward_proxy, tmp_path):
    _seed_one_group(emulator)
    proxy_url, recorded = forward_proxy
    proc = _run(emulator, tmp_path, emulator.base_url, {"HTTP_PROXY": proxy_url})
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "GROUPS 1" in proc.stdout
    target = "127.0.0.1:%d" % emulator.port
    # the token and the listing, both through the proxy; the emulator saw exactly these
    assert [line.split("?")[0] for line in recorded()] == ["POST %s /oauth/token" % target, "GET %s /v2024/workgroups" % target], recorded()
    assert [(entry["method"], entry["path"]) for entry in emulator.requests()] == [("POST", "/oauth/token"), ("GET", "/v2024/workgroups")]


def test_no_proxy_bypasses_the_proxy(emulator, forward_proxy, tmp_path):
    _seed_one_group(emulator)
    proxy_url, recorded = forward_proxy
    proc = _run(emulator, tmp_path, emulator.base_url, {"HTTP_PROXY": proxy_url, "NO_PROXY": "127.0.0.1,localhost"})
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "GROUPS 1" in proc.stdout
    assert recorded() == []
    assert len(emulator.requests()) == 2


def test_https_proxy_tunnels_to_a_tenant_with_an_internal_ca(emulator, forward_proxy, internal_ca, tmp_path):
    _seed_one_group(emulator)
    proxy_url, recorded = forward_proxy
    base_url, bundle = internal_ca
    proc = _run(emulator, tmp_path, base_url, {"HTTPS_PROXY": proxy_url, "REQUESTS_CA_BUNDLE": bundle})
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "GROUPS 1" in proc.stdout
    # one CONNECT tunnel per connection: the proxy saw the host, not the requests inside the TLS
    lines = recorded()
    assert lines and all(line.startswith("CONNECT localhost:%d" % int(base_url.rsplit(":", 1)[1])) for line in lines), lines
    assert [(entry["method"], entry["path"]) for entry in emulator.requests()] == [("POST", "/oauth/token"), ("GET", "/v2024/workgroups")]


def test_internal_ca_without_requests_ca_bundle_is_refused(emulator, internal_ca, tmp_path):
    _seed_one_group(emulator)
    base_url = internal_ca[0]
    proc = _run(emulator, tmp_path, base_url, {})
    assert proc.returncode != 0
    assert "TLS certificate verification failed; fix the CA bundle" in proc.stdout, proc.stdout[-3000:]
    assert emulator.requests() == []


def _closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_missing_ca_bundle_names_the_variable_and_the_path_before_any_request(emulator, internal_ca, tmp_path):
    _seed_one_group(emulator)
    proc = _run(emulator, tmp_path, internal_ca[0], {"REQUESTS_CA_BUNDLE": "/nonexistent.pem"})
    assert proc.returncode != 0
    assert ("the environment variable REQUESTS_CA_BUNDLE names the CA bundle '/nonexistent.pem', which does not exist: point "
            "REQUESTS_CA_BUNDLE at the PEM file of the CA") in proc.stdout, proc.stdout[-3000:]
    assert "Traceback" not in proc.stdout + proc.stderr and "MODULE FAILURE" not in proc.stdout
    assert emulator.requests() == []
    # the module file run directly (an args file) says the same, as JSON, without a traceback
    direct = start_module_process(workgroup_info.__file__, {"base_url": internal_ca[0], "client_id": emulator.client_id,
                                                            "client_secret": emulator.client_secret},
                                  tmp_path / "direct", env={"REQUESTS_CA_BUNDLE": "/nonexistent.pem"})
    stdout, stderr = direct.communicate(timeout=120)
    result = json.loads(stdout)
    assert result["failed"] is True and "REQUESTS_CA_BUNDLE names the CA bundle '/nonexistent.pem'" in result["msg"]
    assert "Traceback" not in stdout + stderr and emulator.client_secret not in stdout
    assert emulator.requests() == []


def test_an_unreachable_proxy_is_named_and_not_retried(emulator, tmp_path):
    _seed_one_group(emulator)
    port = _closed_port()
    # the default retries: a proxy that accepts no connection fails at once all the same, like a refused tenant port
    proc = _run(emulator, tmp_path, emulator.base_url, {"HTTP_PROXY": "http://127.0.0.1:%d" % port},
                PLAYBOOK.replace("max_retries: 0", "max_retries: 5"))
    assert proc.returncode != 0
    assert ("POST /oauth/token: could not connect to the proxy http://127.0.0.1:%d (environment variable HTTP_PROXY) for %s"
            % (port, emulator.base_url)) in proc.stdout, proc.stdout[-3000:]
    assert "start the proxy or correct HTTP_PROXY" in proc.stdout
    assert "retry 1 of 5" not in proc.stdout + proc.stderr  # failed at once: no retry
    assert emulator.requests() == []
