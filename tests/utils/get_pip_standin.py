"""Offline stand-in for the get-pip bootstrap script that ansible-test downloads.

ansible-test creates its virtual environments empty and bootstraps pip with a script it downloads;
this machine has no route to that host. ``ensurepip`` brings the bundled pip instead, and the
requested pip version is then installed from the configured package index. Both steps run in
subprocesses: run in-process, pip would inherit ansible-test's /dev/null config and lose the
machine's index settings.
"""
import os
import subprocess
import sys

SKIPPED_OPTIONS = {"--no-setuptools", "--no-wheel"}


def main():
    env = dict(os.environ)
    env.pop("PIP_CONFIG_FILE", None)
    env.pop("GET_PIP", None)
    subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade", "--default-pip"], env=env)
    args = [arg for arg in sys.argv[1:] if arg not in SKIPPED_OPTIONS]
    subprocess.check_call([sys.executable, "-m", "pip", "install", "--upgrade"] + args, env=env)


if __name__ == "__main__":
    main()
