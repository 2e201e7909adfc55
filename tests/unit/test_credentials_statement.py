"""One statement of which credentials each kind of identity reference needs, the same in every document.

The collection resolves ``id`` and ``email`` references through ``GET /identities`` or ISC's search (``POST /search``,
scope ``sp:search:read``, served to API clients without a user), and ``alias`` and ``name`` references only through
``GET /identities``, which ISC serves only to tokens with user context (``_identities.py``, ``_search.SEARCH_FIELDS``).
Every document that says which credentials a kind of reference needs says it with STATEMENT, word for word (markup
aside), and no other sentence of the shipped documents ties a kind of reference to a kind of credential.
"""
from __future__ import annotations

import os
import re
import subprocess

import pytest
import yaml

from ansible_collections.sailpoint.isc.plugins.module_utils import _identities, _search
from tests.utils.playbook import ROOT

STATEMENT = ("References by id or email need an API client with the scope sp:search:read (or a personal "
             "access token); references by alias or name need a personal access token (a token with user context).")

# Where credentials are explained: each holds STATEMENT.
REQUIRED = (
    "README.md",
    "docs/awx.md",
    "playbooks/export.yml",
    "playbooks/templates/governance_groups.yml.j2",
    "docs/examples/tenants/group_vars/all/governance_groups.yml",
    "plugins/doc_fragments/auth.py",
    "plugins/modules/identity_info.py",
    "plugins/modules/workgroup.py",
    "plugins/modules/workgroup_info.py",
    "plugins/modules/workgroup_members.py",
    "plugins/modules/workgroups.py",
    "roles/governance_groups/meta/argument_specs.yml",
    "roles/governance_groups/README.md",
)
# Generated (docs/collection), history (changelogs) and the tests are not documents a user follows.
SKIPPED = ("docs/collection/", "changelogs/", "tests/", "benchmarks/")
KINDS = re.compile(r"\b(alias|email|name|id)\b|\{(alias|email|name|id):", re.IGNORECASE)
CREDENTIAL = re.compile(r"personal access token|\bPATs?\b|user context", re.IGNORECASE)
PLUGIN_DOCS = re.compile(r'(DOCUMENTATION|EXAMPLES|RETURN)\s*=\s*r?("""|\'\'\')(.*?)\2', re.DOTALL)
REQUIREMENT = re.compile(r"\b(need|needs|needed|require|required|requires|only)\b", re.IGNORECASE)


def normalize(text: str) -> str:
    """Plain words: no Markdown or Ansible markup, no comment signs, one space between words."""
    text = re.sub(r"^\s*#+ ?", " ", text, flags=re.MULTILINE)
    text = re.sub(r"\b[CIOVE]\(([^()]*)\)", r"\1", text)
    text = text.replace("`", "").replace("**", "").replace("{{ '", "").replace("' }}", "")
    return " ".join(text.split())


def documents():
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                            check=True).stdout.split()
    for path in sorted(listed):
        if path.startswith(SKIPPED) or not path.endswith((".md", ".yml", ".yaml", ".j2", ".py")):
            continue
        if path.endswith(".py") and not path.startswith(("plugins/modules/", "plugins/doc_fragments/")):
            continue
        if os.path.isfile(os.path.join(ROOT, path)):
            yield path


def read(path: str) -> str:
    """The text of ``path``; of a plugin, its documentation strings (the rest is code)."""
    with open(os.path.join(ROOT, path), encoding="utf-8") as handle:
        text = handle.read()
    if path.endswith(".py"):
        text = "\n".join(match[2] for match in PLUGIN_DOCS.findall(text))
    return text


def claims(text: str):
    """The sentences of ``text`` that tie kinds of reference to a kind of credential (STATEMENT itself excluded)."""
    text = normalize(text).replace(STATEMENT, " ")
    for sentence in re.split(r"(?<=[.;!?])\s+|\s+-\s+|\|", text):
        if CREDENTIAL.search(sentence) and REQUIREMENT.search(sentence) and KINDS.search(sentence):
            yield sentence


def test_the_statement_matches_the_code():
    # id and email have a search field (API clients may search); alias and name do not (they need /identities).
    assert sorted(_search.SEARCH_FIELDS) == ["email", "id"]
    assert sorted(set(_identities.REFERENCE_KEYS) - set(_search.SEARCH_FIELDS)) == ["alias", "name"]
    assert "sp:search:read" in _search.SEARCH_HINT


@pytest.mark.parametrize("path", REQUIRED)
def test_every_credentials_section_says_it_with_the_statement(path):
    assert STATEMENT in normalize(read(path)), "%s does not state, word for word: %s" % (path, STATEMENT)


def test_the_awx_credential_type_help_is_the_statement():
    blocks = re.findall(r"^```yaml\n(.*?)^```$", read("docs/awx.md"), re.MULTILINE | re.DOTALL)
    loaded = [yaml.safe_load(block) for block in blocks]
    fields = [field for data in loaded if isinstance(data, dict) for field in data.get("fields", [])
              if isinstance(field, dict) and field.get("id") == "client_id" and "help_text" in field]
    assert fields and all(STATEMENT in normalize(field["help_text"]) for field in fields), fields


def test_no_document_says_otherwise():
    found = {path: list(claims(read(path))) for path in documents()}
    assert {path: sentences for path, sentences in found.items() if sentences} == {}


def test_a_contradiction_is_caught():
    # The sentences issue 23 found, as they were: each would fail the test above.
    for wrong in ("owner: {alias: ada.lovelace}  # alias/email/name need a personal access token",
                  "Credentials need user context: email references are resolved through GET /identities.",
                  "help_text: An API client, or a personal access token (needed for identity lookups by alias, email or name).",
                  "# Owners and members are {email: ...} references (resolving them needs a personal access token)"):
        assert list(claims(wrong)), wrong
