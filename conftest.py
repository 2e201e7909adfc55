"""Make the checkout importable as ``ansible_collections.sailpoint.isc`` for plain pytest runs.

ansible-test copies the collection into an ``ansible_collections/<ns>/<name>`` tree; plain pytest
does not, so we link the checkout into such a tree in a temporary directory once per session.
"""
import atexit
import os
import shutil
import sys
import tempfile

_ROOT = os.path.dirname(os.path.abspath(__file__))


def _link_collection():
    parts = _ROOT.split(os.sep)
    if len(parts) >= 3 and parts[-3] == "ansible_collections":
        sys.path.insert(0, os.sep.join(parts[:-3]))
        return
    tmp = tempfile.mkdtemp(prefix="isc-collection-")
    atexit.register(shutil.rmtree, tmp, True)
    namespace_dir = os.path.join(tmp, "ansible_collections", "sailpoint")
    os.makedirs(namespace_dir)
    os.symlink(_ROOT, os.path.join(namespace_dir, "isc"))
    sys.path.insert(0, tmp)


_link_collection()
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)
