# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""plugins/module_utils/_module.py: env fallbacks, the client from module options, and failing cleanly (scrubbed, no traceback)."""

from __future__ import annotations

import contextlib
import json

import pytest

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.testing import patch_module_args

from ansible_collections.sailpoint.isc.plugins.module_utils import _module
from ansible_collections.sailpoint.isc.plugins.module_utils._client import IscClient
from ansible_collections.sailpoint.isc.plugins.module_utils._desired import Entry, Request
from ansible_collections.sailpoint.isc.plugins.module_utils._errors import IscApiError
from ansible_collections.sailpoint.isc.plugins.module_utils._identities import IscIdentityResolutionError
from ansible_collections.sailpoint.isc.plugins.module_utils._module import (
    ModuleResult,
    client_from_module,
    fail_on_error,
    finish,
    isc_module_kwargs,
)
from ansible_collections.sailpoint.isc.plugins.module_utils._pipeline import run_pipeline

SECRET = "S3cr3t-Value-42"
TOKEN = "Tok3n-Value-42"
_ENV = ("SAIL_BASE_URL", "SAIL_CLIENT_ID", "SAIL_CLIENT_SECRET", "SAIL_ACCESS_TOKEN", "SAIL_API_VERSION", "SAIL_VALIDATE_CERTS")


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    for name in _ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def make_module():
    """AnsibleModule factory; the module args stay patched until the test ends (fail_json needs them)."""
    stack = contextlib.ExitStack()

    def make(args, **kwargs):
        stack.enter_context(patch_module_args(args))
        return AnsibleModule(**isc_module_kwargs(**kwargs))

    yield make
    stack.close()


def _failure(capsys, module, call):
    """What the module reports when ``call()`` fails below its main(): ``finish`` ends the run."""
    with pytest.raises(SystemExit):
        finish(module, lambda _: call())
    return json.loads(capsys.readouterr().out)


def test_module_kwargs_merge_the_module_spec():
    kwargs = isc_module_kwargs(argument_spec={"name": {"type": "str"}}, required_one_of=[["name", "id"]],
                               supports_check_mode=True)
    assert "name" in kwargs["argument_spec"] and "base_url" in kwargs["argument_spec"]
    assert "required_together" not in kwargs
    assert kwargs["required_one_of"] == [["name", "id"]]
    assert kwargs["supports_check_mode"] is True


def test_environment_fallbacks(monkeypatch, make_module):
    monkeypatch.setenv("SAIL_BASE_URL", "https://acme.api.identitynow.com")
    monkeypatch.setenv("SAIL_CLIENT_ID", "cid")
    monkeypatch.setenv("SAIL_CLIENT_SECRET", SECRET)
    monkeypatch.setenv("SAIL_VALIDATE_CERTS", "false")
    monkeypatch.setenv("SAIL_API_VERSION", "v1")
    module = make_module({})
    client = client_from_module(module)
    assert isinstance(client, IscClient)
    assert client.transport.base_url == "https://acme.api.identitynow.com"
    assert client.transport.client_id == "cid" and client.transport.validate_certs is False and client.api_version == "v1"
    assert client.transport.request_timeout == 30.0 and client.transport.retry.max_retries == 5
    assert SECRET in module.no_log_values


def test_argument_validation_failures(capsys, make_module):
    # api_version is checked with the other connection options (not by AnsibleModule's choices), naming every source
    module = make_module({"base_url": "https://a.example", "access_token": TOKEN, "api_version": "v3"})
    result = _failure(capsys, module, lambda: client_from_module(module))
    assert result["failed"] is True
    assert "api_version" in result["msg"]
    assert TOKEN not in json.dumps(result)


def test_an_unknown_api_version_names_the_option_the_variables_and_the_allowed_values(capsys, monkeypatch, make_module):
    monkeypatch.setenv("SAIL_API_VERSION", "v3")
    module = make_module({"base_url": "https://a.example", "access_token": TOKEN})
    result = _failure(capsys, module, lambda: client_from_module(module))
    assert result["msg"] == ("Cannot connect to SailPoint ISC, nothing was sent: api_version must be one of v2024, v2025, v2026, "
                             "beta, v1, got 'v3': set the option api_version (variable isc_api_version, environment variable "
                             "SAIL_API_VERSION) to one of them.")


BASE_URL_SOURCES = "option base_url (variable isc_base_url, environment variable SAIL_BASE_URL)"
CREDENTIAL_SOURCES = ("options client_id (variable isc_client_id, environment variable SAIL_CLIENT_ID) and client_secret "
                      "(variable isc_client_secret, environment variable SAIL_CLIENT_SECRET), or access_token "
                      "(variable isc_access_token, environment variable SAIL_ACCESS_TOKEN)")


@pytest.mark.parametrize("args, expected", [
    ({"client_id": "cid", "client_secret": SECRET}, ["no tenant URL: set the " + BASE_URL_SOURCES]),
    ({"base_url": "", "access_token": TOKEN}, ["no tenant URL: set the " + BASE_URL_SOURCES]),
    ({}, ["no tenant URL: set the " + BASE_URL_SOURCES, "no credentials: set the " + CREDENTIAL_SOURCES]),
    ({"base_url": "URL"}, ["no credentials: set the " + CREDENTIAL_SOURCES]),
    ({"base_url": "URL", "client_id": "", "access_token": ""}, ["no credentials: set the " + CREDENTIAL_SOURCES]),
    ({"base_url": "URL", "client_id": "cid"},
     ["client_id is set but client_secret is not: set the option client_secret (variable isc_client_secret, "
      "environment variable SAIL_CLIENT_SECRET)"]),
    ({"base_url": "URL", "client_secret": SECRET},
     ["client_secret is set but client_id is not: set the option client_id (variable isc_client_id, "
      "environment variable SAIL_CLIENT_ID)"]),
])
def test_missing_connection_names_every_source(capsys, make_module, emulator, args, expected):
    """A missing connection option fails naming the option, the role/playbook variable and the environment variable."""
    args = {key: emulator.base_url if value == "URL" else value for key, value in args.items()}
    module = make_module(args)  # no longer refused by AnsibleModule itself, whose message named the option only
    result = _failure(capsys, module, lambda: client_from_module(module))
    assert result["failed"] is True
    assert result["msg"].startswith("Cannot connect to SailPoint ISC, nothing was sent: ")
    for problem in expected:
        assert problem in result["msg"]
    assert result["msg"].count(": set the ") == len(expected)
    assert SECRET not in json.dumps(result) and TOKEN not in json.dumps(result)
    assert emulator.requests() == []


def test_connection_from_the_environment_alone_is_complete(monkeypatch, make_module):
    monkeypatch.setenv("SAIL_BASE_URL", "https://acme.api.identitynow.com")
    monkeypatch.setenv("SAIL_ACCESS_TOKEN", TOKEN)
    assert _module.connection_problems(make_module({}).params) == []


def test_plain_http_to_a_remote_host_fails_the_module(capsys, make_module):
    module = make_module({"base_url": "http://acme.api.identitynow.com", "client_id": "cid", "client_secret": SECRET})
    result = _failure(capsys, module, lambda: client_from_module(module))
    assert result["msg"].startswith("Failed to connect to SailPoint ISC: base_url 'http://acme.api.identitynow.com' uses plain http")
    assert SECRET not in json.dumps(result)
    assert "Traceback" not in json.dumps(result)


def test_missing_requests_fails_with_missing_required_lib(capsys, monkeypatch, make_module):
    module = make_module({"base_url": "https://a.example", "access_token": TOKEN})
    monkeypatch.setattr(_module, "HAS_REQUESTS", False)
    result = _failure(capsys, module, lambda: client_from_module(module))
    assert "requests" in result["msg"] and "Failed to import the required Python library" in result["msg"]


def test_fail_on_error_reports_the_isc_error(capsys, make_module):
    module = make_module({"base_url": "https://a.example", "client_id": "cid", "client_secret": SECRET, "access_token": TOKEN})

    def failing():
        with fail_on_error(module, "create governance group 'Auditors'"):
            raise IscApiError("POST", "/v2024/workgroups", 400, ["owner %s was missing" % SECRET],
                              detail_code="400.1 Bad Request Content", tracking_id="track-1")

    result = _failure(capsys, module, failing)
    assert result["msg"] == ("Failed to create governance group 'Auditors': POST /v2024/workgroups: HTTP 400 Bad Request: "
                             "owner ******** was missing [detailCode: 400.1 Bad Request Content, trackingId: track-1]")
    assert result["status"] == 400 and result["tracking_id"] == "track-1" and result["detail_code"] == "400.1 Bad Request Content"
    assert result["method"] == "POST" and result["path"] == "/v2024/workgroups"
    assert SECRET not in json.dumps(result)
    assert "Traceback" not in json.dumps(result) and "exception" not in result


def test_fail_on_error_lists_identity_problems(capsys, make_module):
    module = make_module({"base_url": "https://a.example", "access_token": TOKEN})

    def failing():
        with fail_on_error(module, "resolve the members of 'Auditors'"):
            raise IscIdentityResolutionError(["alias 'a': no identity has this alias", "name 'b': 2 identities match"])

    result = _failure(capsys, module, failing)
    assert result["msg"] == ("Failed to resolve the members of 'Auditors': could not resolve 2 identity references: "
                             "alias 'a': no identity has this alias; name 'b': 2 identities match")
    assert result["problems"] == ["alias 'a': no identity has this alias", "name 'b': 2 identities match"]


def test_fail_on_error_lets_other_exceptions_through(capsys, make_module):
    module = make_module({"base_url": "https://a.example", "access_token": TOKEN})
    with pytest.raises(KeyError):  # a programming error keeps its traceback: it is not an ISC failure
        with fail_on_error(module, "raise a programming error"):
            raise KeyError("x")
    assert capsys.readouterr().out == ""  # and fail_json was not called


class FakeModule:
    """What _module.finish and run_pipeline use of an AnsibleModule; fail_json records its arguments and exits."""

    def __init__(self, params, check_mode=False):
        self.params = params
        self.check_mode = check_mode
        self.warnings = []
        self.failed = None

    def warn(self, message):
        self.warnings.append(message)

    def fail_json(self, **kwargs):
        self.failed = kwargs
        raise SystemExit(1)


def test_fail_scrubs_the_message_and_nested_details():
    # AnsibleModule would mask the no_log option values itself; finish() must not rely on that, nor miss token-like strings
    module = FakeModule({"client_secret": SECRET, "access_token": TOKEN})
    error = IscApiError("GET", "/v2024/workgroups", 400, ["echo %s" % TOKEN], tracking_id="t-1")
    with pytest.raises(SystemExit):
        finish(module, lambda _: ModuleResult(
            {"failures": [{"name": "A", "message": "Authorization: Bearer abc.def-ghi", "status": 400}],
             "report": {"nested": [{"secret": SECRET}, ("kept", SECRET)], "count": 3, "none": None}},
            "failed with %s" % SECRET, error))
    failed = module.failed
    assert failed["msg"] == "failed with ********"
    assert failed["messages"] == ["echo ********"] and failed["status"] == 400 and failed["tracking_id"] == "t-1"
    assert failed["failures"] == [{"name": "A", "message": "Authorization: Bearer ********", "status": 400}]
    assert failed["report"] == {"nested": [{"secret": "********"}, ["kept", "********"]], "count": 3, "none": None}


WORDING = {"validate": "The list is invalid: {error}", "read": "Could not read {group}: {error}",
           "plan": "Cannot plan {group}: {error}", "resolve": "Unknown identities for {group}: {error}"}


def test_run_pipeline_fails_a_bad_request_in_the_module_words_before_any_request(emulator):
    module = FakeModule({"base_url": emulator.base_url, "client_id": emulator.client_id, "client_secret": emulator.client_secret})
    request = Request([Entry(name="", where="groups[0]"), Entry(name="B", members=[{"alias": "x", "email": "y"}], where="groups[1]")])
    with pytest.raises(SystemExit):
        finish(module, lambda _: run_pipeline(module, request, WORDING, group="the list"))
    problems = module.failed["problems"]
    assert len(problems) == 2 and problems[0] == "groups[0]: name must be a non-empty string, got ''"
    assert problems[1].startswith('groups[1] "B" members[0]: ')
    assert module.failed["msg"] == "The list is invalid: " + "; ".join(problems)
    assert emulator.requests() == []


def test_run_pipeline_words_a_read_error_and_writes_nothing(emulator):
    emulator.seed({"identities": [{"id": "%032x" % 1, "name": "Ada", "alias": "ada", "email": "ada@example.com",
                                   "firstName": "Ada", "lastName": "L"}]})
    emulator.set_faults({"error_rate": 1.0, "error_statuses": [503], "rate_limit": None})
    module = FakeModule({"base_url": emulator.base_url, "client_id": emulator.client_id, "client_secret": emulator.client_secret,
                         "max_retries": 0})
    with pytest.raises(SystemExit):
        finish(module, lambda _: run_pipeline(module, Request([Entry(name="Auditors", owner="%032x" % 1)]), WORDING, group="'Auditors'"))
    assert module.failed["msg"].startswith("Could not read 'Auditors': GET /v2024/workgroups: HTTP 503 Service Unavailable")
    assert module.failed["status"] == 503 and module.failed["method"] == "GET"
    assert emulator.client_secret not in json.dumps(module.failed)
    assert [r["method"] for r in emulator.requests() if r["path"] != "/oauth/token"] == ["GET"]


def test_run_pipeline_words_a_plan_problem(emulator):
    module = FakeModule({"base_url": emulator.base_url, "client_id": emulator.client_id, "client_secret": emulator.client_secret})
    request = Request([Entry(name="Auditors", members=["%032x" % 1], not_found_message="governance group 'Auditors' does not exist")])
    with pytest.raises(SystemExit):
        finish(module, lambda _: run_pipeline(module, request, WORDING, group="'Auditors'"))
    assert module.failed["msg"] == "Cannot plan 'Auditors': governance group 'Auditors' does not exist"
    assert module.failed["problems"] == ["governance group 'Auditors' does not exist"]
    assert [r["method"] for r in emulator.requests() if r["path"] != "/oauth/token"] == ["GET"]  # the read only: no lookup, no write


def test_retries_become_module_warnings_and_failures_are_clear(capsys, make_module, emulator):
    module = make_module({"base_url": emulator.base_url, "client_id": emulator.client_id, "client_secret": emulator.client_secret,
                          "max_retries": 1})
    emulator.set_faults({"error_rate": 1.0, "error_statuses": [503], "rate_limit": None})
    client = client_from_module(module, sleep=lambda seconds: None)
    assert client.transport.retry.max_retries == 1

    def failing():
        with fail_on_error(module, "list governance groups"):
            list(client.list_workgroups())

    result = _failure(capsys, module, failing)
    assert result["msg"].startswith("Failed to list governance groups: GET /v2024/workgroups: HTTP 503 Service Unavailable: ")
    assert "after 2 attempts" in result["msg"] and "gave up after 1 retry" in result["msg"]
    assert result["status"] == 503 and result["tracking_id"]
    texts = [w["event"]["msg"] if isinstance(w, dict) else w for w in result["warnings"]]  # structured since ansible-core 2.19
    retries = [t for t in texts if t.startswith("GET /v2024/workgroups: ")]
    assert len(retries) == 1 and retries[0].startswith("GET /v2024/workgroups: HTTP 503 Service Unavailable; retry 1 of 1 in ")
    assert emulator.client_secret not in json.dumps(result)
