"""Run real ansible-playbook and module processes from pytest, against the emulator.

Every test that starts ansible-playbook goes through :func:`run_playbook`, one that runs a module file as Ansible
does through :func:`run_module_process`. Such a test (and any test that starts other slow processes) carries
``@pytest.mark.processes`` (registered in pytest.ini): ``make units`` leaves those out, ``make units-processes`` runs
them (``make test``: beside the integration targets, the race tests in a stream of their own). Both helpers fail a
test without the marker, so a new process test cannot slip into the wrong stream.

    proc = run_playbook(PLAYBOOK, tmp_path, dict(emulator_vars(emulator), wanted="x"), args=["--check", "--diff"])
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]

Simultaneous runs: ``together(*[functools.partial(run_playbook, PLAYBOOK, tmp_path / str(n), variables) for n in
range(3)])`` starts them at the same moment, each in a directory of its own.
"""
import json
import os
import pathlib
import subprocess
import sys
import textwrap
import threading
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MARKER = "processes"
# Whether the running test carries the marker: set for each test by tests/conftest.py.
marked = {"current": False}
# What the calling shell may set that would change a run: Ansible's settings, a tenant, a proxy or CA bundle.
_INHERITED_NOT = ("ANSIBLE_", "SAIL_")
_PROXY_AND_CA = ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "requests_ca_bundle", "curl_ca_bundle")


def _require_marker(what: str) -> None:
    if not marked["current"]:
        pytest.fail("a test that runs %s must be marked @pytest.mark.%s (see tests/utils/playbook.py)" % (what, MARKER))


def collections_path() -> str:
    """The sys.path entry holding ansible_collections/sailpoint/isc for this checkout (see the root conftest.py)."""
    for entry in sys.path:
        candidate = os.path.join(entry or ".", "ansible_collections", "sailpoint", "isc")
        if os.path.isdir(candidate) and os.path.realpath(candidate) == os.path.realpath(ROOT):
            return os.path.abspath(entry or ".")
    pytest.skip("no ansible_collections/sailpoint/isc tree on sys.path points at this checkout")
    raise AssertionError("unreachable")


def ansible_playbook() -> str:
    path = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    if not os.path.exists(path):
        pytest.skip("ansible-playbook is not installed next to %s" % sys.executable)
    return path


def emulator_vars(emulator: Any) -> Dict[str, str]:
    """The emulator's connection as the variables emulator_url, emulator_client_id and emulator_client_secret."""
    return {"emulator_url": emulator.base_url, "emulator_client_id": emulator.client_id,
            "emulator_client_secret": emulator.client_secret}


def emulator_play(name: str, tasks: str) -> str:
    """A play on localhost named ``name`` whose sailpoint.isc modules reach the emulator through the play's
    ``module_defaults`` (the variables of :func:`emulator_vars`), running ``tasks`` (YAML text, a list of tasks)."""
    header = textwrap.dedent("""\
        - name: %s
          hosts: localhost
          gather_facts: false
          module_defaults:
            group/sailpoint.isc.isc:
              base_url: "{{ emulator_url }}"
              client_id: "{{ emulator_client_id }}"
              client_secret: "{{ emulator_client_secret }}"
          tasks:
        """) % name
    return header + textwrap.indent(textwrap.dedent(tasks), " " * 4)


def ansible_environment(workdir: Any, env: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    """This process's environment without Ansible, SAIL_*, proxy and CA settings; this checkout's collection;
    Ansible's home and temporary files under ``workdir``; then ``env``."""
    workdir = pathlib.Path(workdir)
    result = {key: value for key, value in os.environ.items()
              if not key.startswith(_INHERITED_NOT) and key.lower() not in _PROXY_AND_CA}
    result.update(ANSIBLE_COLLECTIONS_PATH=collections_path(), ANSIBLE_HOME=str(workdir / "ansible-home"),
                  ANSIBLE_LOCAL_TEMP=str(workdir / "tmp"), ANSIBLE_NOCOLOR="1", ANSIBLE_LOCALHOST_WARNING="0",
                  ANSIBLE_INVENTORY_UNPARSED_WARNING="0", ANSIBLE_RETRY_FILES_ENABLED="0")
    result.update(env or {})
    return result


def run_playbook(playbook: str, workdir: Any, extra_vars: Optional[Mapping[str, Any]] = None,
                 env: Optional[Mapping[str, str]] = None, args: Sequence[str] = ()) -> subprocess.CompletedProcess:
    """Write ``playbook`` (YAML text) and ``extra_vars`` to ``workdir``, run ``ansible-playbook`` on localhost there.

    The variables go in as ``-e @vars.json``, with ``ansible_python_interpreter`` set to this Python; the
    environment is :func:`ansible_environment` plus ``env``; ``args`` are added to the command line (``-vvvv``,
    ``--check``...). Returns the finished process (``returncode``, ``stdout``, ``stderr``), failed or not.
    """
    _require_marker("ansible-playbook")
    workdir = pathlib.Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "playbook.yml").write_text(playbook, encoding="utf-8")
    variables = dict({"ansible_python_interpreter": sys.executable}, **(extra_vars or {}))
    (workdir / "vars.json").write_text(json.dumps(variables), encoding="utf-8")
    command = [ansible_playbook(), "-i", "localhost,", "-c", "local", "-e", "@" + str(workdir / "vars.json")]
    return subprocess.run(command + list(args) + [str(workdir / "playbook.yml")], cwd=str(workdir),
                          env=ansible_environment(workdir, env), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=300, check=False)


def run_module_process(module_file: str, arguments: Mapping[str, Any], workdir: Any,
                       env: Optional[Mapping[str, str]] = None) -> Dict[str, Any]:
    """Run a module file with Python, as Ansible runs it, with ``arguments`` (written to ``workdir``); its JSON result.

    No SAIL_* variable reaches it (``env`` is added to its environment). A run that prints no JSON gives ``{"failed": True, "msg": <its output>}``.
    """
    proc = start_module_process(module_file, arguments, workdir, env)
    try:
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        proc.kill()
    try:
        return json.loads(stdout[stdout.index("{"):])
    except ValueError:
        return {"failed": True, "msg": "no JSON: %s %s" % (stdout[-2000:], stderr[-2000:])}


def start_module_process(module_file: str, arguments: Mapping[str, Any], workdir: Any,
                         env: Optional[Mapping[str, str]] = None) -> subprocess.Popen:
    """Start a module file as :func:`run_module_process` does and return the running process (to stop or kill it)."""
    _require_marker("a module process")
    workdir = pathlib.Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "args.json").write_text(json.dumps({"ANSIBLE_MODULE_ARGS": arguments}), encoding="utf-8")
    environment = {key: value for key, value in os.environ.items() if not key.startswith("SAIL_")}
    environment["PYTHONPATH"] = collections_path() + os.pathsep + os.environ.get("PYTHONPATH", "")
    environment.update(env or {})
    return subprocess.Popen([sys.executable, module_file, str(workdir / "args.json")], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, universal_newlines=True, env=environment)


def together(*calls: Callable[[], Any]) -> List[Any]:
    """Call each function in a thread of its own, all released at the same moment; their results, in order.

    For simultaneous runs (of ansible-playbook or of a module): an exception in a call is raised here afterwards.
    """
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)  # type: List[Any]
    errors = []  # type: List[BaseException]

    def one(index: int) -> None:
        barrier.wait()
        try:
            results[index] = calls[index]()
        except BaseException as exc:  # pylint: disable=broad-except  # re-raised in the calling thread below
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results
