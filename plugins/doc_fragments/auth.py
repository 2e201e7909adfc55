# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    """Connection options of every sailpoint.isc module, and the isc action group."""

    # Use with: extends_documentation_fragment: [sailpoint.isc.auth, sailpoint.isc.auth.action_group]
    DOCUMENTATION = r"""
options:
  base_url:
    description:
      - The API root of the ISC tenant, for example V(https://acme.api.identitynow.com).
      - Without the API version; choose that with O(api_version).
      - Must use C(https). Plain C(http) is refused except for loopback hosts (C(localhost), C(127.0.0.0/8), C(::1)),
        so that credentials and tokens never cross a network in clear text.
      - If not set, the value of the E(SAIL_BASE_URL) environment variable is used.
      - O(base_url) or E(SAIL_BASE_URL) must be set. Without either, the task fails before any request with a message that names
        O(base_url), the variable C(isc_base_url) (of the role and the export playbook) and E(SAIL_BASE_URL).
    type: str
  client_id:
    description:
      - Client ID of an ISC API client or personal access token (PAT). Used with O(client_secret) to fetch
        OAuth2 tokens (client credentials grant) from C(<base_url>/oauth/token).
      - References by C(id) or C(email) need an API client with the scope C(sp:search:read)
        (or a personal access token); references by C(alias) or C(name) need a personal access token (a token with
        user context). Search queries work with either.
      - If not set, the value of the E(SAIL_CLIENT_ID) environment variable is used.
      - Either O(client_id) and O(client_secret), or O(access_token), or both must be given. Without them, the task
        fails before any request with a message that names the options, the variables (C(isc_client_id),
        C(isc_client_secret), C(isc_access_token)) and the environment variables.
    type: str
  client_secret:
    description:
      - Client secret belonging to O(client_id).
      - If not set, the value of the E(SAIL_CLIENT_SECRET) environment variable is used.
    type: str
  access_token:
    description:
      - 'An access token obtained elsewhere, sent as C(Authorization: Bearer <token>).'
      - When O(client_id) and O(client_secret) are also given, the token is tried first and a new token is fetched
        with the client credentials when ISC rejects it (HTTP 401).
      - If not set, the value of the E(SAIL_ACCESS_TOKEN) environment variable is used.
    type: str
  api_version:
    description:
      - The ISC API version to call.
      - V(v1) is the per-service API (paths C(/workgroups/v1), C(/identities/v1) and C(/search/v1)), the successor of the
        yearly versions.
      - ISC's search (C(members_query), O(sailpoint.isc.identity_info#module:query), lookups through search) is used in
        V(v2024), V(v2025), V(v2026) and V(v1); the spec the collection follows does not confirm it in V(beta), so there
        such a task fails before its first search, naming the versions that have it.
      - One of V(v2024), V(v2025), V(v2026), V(beta) and V(v1). Any other value fails before the first request with a
        message that names O(api_version), the variable C(isc_api_version) and E(SAIL_API_VERSION).
      - If not set, the value of the E(SAIL_API_VERSION) environment variable is used, else V(v2024).
    type: str
    default: v2024
  validate_certs:
    description:
      - Whether to verify the TLS certificate of the tenant. Set to V(false) only for test systems.
      - The CA bundle is the one of C(requests), or the file the environment variable E(REQUESTS_CA_BUNDLE) (else
        E(CURL_CA_BUNDLE)) names, for an internal CA. When that variable names a file that does not exist, the task
        fails before the first request, naming the variable and the path.
      - If not set, the value of the E(SAIL_VALIDATE_CERTS) environment variable is used.
    type: bool
    default: true
  request_timeout:
    description:
      - Timeout in seconds for each HTTP request.
    type: float
    default: 30
  max_retries:
    description:
      - How many times a request is retried after HTTP 429 (honouring C(Retry-After)), HTTP 502, 503, 504, a network
        error or a timeout, and after HTTP 500 for requests that are safe to repeat. Waits grow exponentially with
        random jitter; all retries of one request together wait at most 120 seconds.
      - Every retry is reported as a warning.
      - A create whose answer is lost is never blindly repeated; the group is looked up first, so no duplicate is made.
      - A connection error before the tenant answered anything in this run (a refused port, an unknown host, a proxy
        from E(HTTP_PROXY) / E(HTTPS_PROXY) that does not accept connections) is not retried. It means a wrong
        O(base_url), a wrong proxy or a blocked network, and the task fails at once saying so (naming the proxy and
        its variable when the proxy was not reached).
    type: int
    default: 5
  clients:
    description:
      - More API clients (or personal access tokens) of the same tenant, to share the work with O(client_id). ISC counts
        its rate limit per client, so two clients together may send twice as many requests per 10 seconds.
      - Requests are spread over O(client_id) (or O(access_token)) and these clients; each has its own token and its own
        O(rate_limit). Give clients with the same rights (an API client without user context cannot read C(/identities),
        so it cannot look up identities by alias or name).
      - An error about the credentials, the rights or the rate limit names the client id it was sent with, never a secret.
      - Every client of the pool fetches its token (all at the same time) before the task's first API request, so a
        wrong secret of any of them fails the task before anything is read or written, naming that client id.
      - 'If not set, the value of the E(SAIL_CLIENTS) environment variable is used, a JSON list such as
        C([{"client_id": "...", "client_secret": "..."}]).'
    type: list
    elements: dict
    suboptions:
      client_id:
        description:
          - Client ID of the API client or personal access token.
        type: str
        required: true
      client_secret:
        description:
          - Its client secret.
        type: str
        required: true
  rate_limit:
    description:
      - The most requests each API client sends in any 10 seconds. ISC admits 100 requests per 10 seconds per client ID
        and API version; pacing to that limit means the modules never send a request that ISC would refuse with
        HTTP 429, and they still wait as ISC's C(Retry-After) says when it does.
      - A request counts until 10 seconds after its answer arrived, so pacing is safe whatever the latency.
      - V(0) turns pacing off (ISC's HTTP 429 answers are then the only brake).
      - If not set, the value of the E(SAIL_RATE_LIMIT) environment variable is used, else V(100).
    type: int
    default: 100
  max_concurrent_requests:
    description:
      - The most requests in flight at once per API client (with O(clients), each client adds as many), for work that
        does not depend on other work (the member pages of different groups and the remaining pages of a listing,
        identity lookups, the creates and member writes of different groups, delete chunks).
      - Each group is still written in order (create, then add members, then remove members; no removal after a failed
        addition), and the result, diff and failures come out in the same order whatever order the answers arrive in.
      - V(1) with one API client sends one request after the other.
      - If not set, the value of the E(SAIL_MAX_CONCURRENT_REQUESTS) environment variable is used, else V(10).
    type: int
    default: 10
requirements:
  - requests >= 2.25
notes:
  - ISC limits API calls to 100 requests per 10 seconds per client ID and API version. The modules pace themselves to
    that limit (O(rate_limit)), send up to O(max_concurrent_requests) requests at once and can spread them over
    several API clients (O(clients)); when ISC answers HTTP 429 they wait as its C(Retry-After) says and retry.
seealso:
  - name: ISC API authentication
    description: How to create API clients and personal access tokens.
    link: https://developer.sailpoint.com/docs/api/authentication
"""

    # The identity id check of the modules that write owners or members.
    # Use with: extends_documentation_fragment: [sailpoint.isc.auth.verify_identity_ids]
    VERIFY_IDENTITY_IDS = r"""
options:
  verify_identity_ids:
    description:
      - Whether identity ids given as plain strings (or in an C(id) dictionary) are checked to exist before any write,
        in check mode too. Ids are compared and sent lower case.
      - V(true) looks them up, except ids that are already members or owners in the tenant (they cost nothing), through
        C(/identities) (ceil(n / 50) requests, personal access tokens only) or ISC's search (ceil(n / 400) requests,
        also API clients without user context with C(sp:search:read)), whichever takes fewer requests. An unknown id
        fails the task before any write, naming its place (V(owner), V(groups[0] "Auditors" members[3])). Search lags
        behind ISC, so an identity created minutes ago may not be found yet, which also fails the task.
      - V(false) skips the check and its requests. The risk - an unknown id then reaches ISC, which refuses it only
        when it is written, after the group was created or changed - leaves a run half applied, and every re-run fails
        the same way until the id is corrected. Use it only for ids that come from ISC itself, or for a token that may
        read neither C(/identities) nor search.
    type: bool
    default: true
"""

    ACTION_GROUP = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/sailpoint.isc.isc) in C(module_defaults) to set the connection options once for all modules of this collection.
    support: full
    membership:
      - sailpoint.isc.isc
"""
