# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The controller side of sailpoint.isc.workgroups: a ``groups_file`` read here and given to the module as ``groups``.

A list of thousands of groups kept in an Ansible variable costs tens of seconds before the first request on
ansible-core 2.19+ (the variables file loaded with every value tagged with its origin, the variable templated for the
role's argument validation and again for the task, deep copies; see benchmarks/RESULTS.md). A file named by
``groups_file`` is read here with plain ``json`` / ``yaml`` and handed to the module as it is - never a variable,
never templated - the way ``ansible.builtin.copy`` finds its ``src`` and ``kubernetes.core.k8s`` its ``src``.
Every other option, and every run without ``groups_file``, goes to the module unchanged.

A large list (its JSON, as the module gets it) also turns pipelining off for this one task: with pipelining, Python
reads the module with its arguments from standard input, where it parses about 2 MB/s (measured on CPython 3.8-3.13:
1.3 s for the 2.4 MB of 2,000 groups x 30 members), against milliseconds for the same module read from a file. Ansible
then copies the module into its temporary directory on the managed node, as it does by default. Not with become (an
unprivileged become user could not read the copied file on every system) and not for an ansible-vault encrypted file
(the copy would hold the decrypted list on disk while the task runs): pipelining then stays as configured.
"""

from __future__ import annotations

import os
from typing import Any, Dict, Optional

from ansible.errors import AnsibleActionFail, AnsibleError, AnsibleFileNotFound
from ansible.plugins.action import ActionBase

from ansible_collections.sailpoint.isc.plugins.plugin_utils._groups_file import json_size, kind, read_groups_file

NOTHING_SENT = "Nothing was sent to ISC."
# above this size (bytes of the list as JSON), the module runs from a file even when pipelining is on (see above)
PIPELINING_LIMIT = 256 * 1024


class ActionModule(ActionBase):
    """Run sailpoint.isc.workgroups; with ``groups_file``, read the file on the controller first."""

    _supports_async = True  # as the module had before it had this action plugin (ansible.builtin.normal's default)
    _large_arguments = False  # set by run() for a groups_file list over PIPELINING_LIMIT, not vault-encrypted

    def _is_pipelining_enabled(self, module_style: str, wrap_async: bool = False) -> bool:
        if self._large_arguments and not self._play_context.become:
            return False
        return super(ActionModule, self)._is_pipelining_enabled(module_style, wrap_async)

    def run(self, tmp: Optional[str] = None, task_vars: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp  # no effect since ansible-core 2.5
        args = dict(self._task.args)
        source = args.pop("groups_file", None)
        if source is None:  # the list is in the task (or nothing is, and the module says what is missing)
            return self._run_module(result, args, task_vars)
        if args.get("groups") is not None:
            raise AnsibleActionFail("Give either groups or groups_file, not both. %s" % NOTHING_SENT)
        if not isinstance(source, str) or not source.strip():
            raise AnsibleActionFail("groups_file must be the path of a file, got %s. %s" % (
                repr(source) if isinstance(source, str) else kind(source), NOTHING_SENT))
        try:
            path = self._find_needle("files", source)
        except AnsibleFileNotFound:
            raise AnsibleActionFail("groups_file %s: no such file (a relative path is looked up in a files/ directory, "
                                    "then the playbook's or role's directory). %s" % (source, NOTHING_SENT)) from None
        real = path
        try:
            if os.path.isfile(path):
                real = self._loader.get_real_file(path, decrypt=True)  # an ansible-vault encrypted file, decrypted
            args["groups"] = read_groups_file(real, path)
            # the size of what the module gets, not of the file (YAML anchors and indentation differ from it)
            self._large_arguments = real == path and json_size(args["groups"]) > PIPELINING_LIMIT
        except (ValueError, AnsibleError) as exc:
            raise AnsibleActionFail("groups_file: %s. %s" % (exc, NOTHING_SENT)) from None
        finally:
            if real != path:
                self._loader.cleanup_tmp_file(real)
        # messages point into the file: groups_file /path/groups.yml[3] "Auditors": ... (the role names its variable)
        args["groups_label"] = "%s %s" % (args.get("groups_label") or "groups_file", path)
        return self._run_module(result, args, task_vars)

    def _run_module(self, result: Dict[str, Any], args: Dict[str, Any], task_vars: Optional[Dict[str, Any]]) -> Dict[str, Any]:
        """Run the module as ``ansible.builtin.normal`` runs one: with ``async`` wrapped (where the connection has no
        native async), and the temporary directory removed afterwards unless an async job still uses it."""
        wrap_async = bool(self._task.async_val) and not getattr(self._connection, "has_native_async", False)
        result.update(self._execute_module(module_args=args, task_vars=task_vars, wrap_async=wrap_async))
        if not wrap_async:
            self._remove_tmp_path(self._connection._shell.tmpdir)  # pylint: disable=protected-access
        return result
