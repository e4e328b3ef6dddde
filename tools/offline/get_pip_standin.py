"""Offline stand-in for the get-pip bootstrap script that ansible-test downloads.

ansible-test bootstraps pip into each virtual environment it makes by running a cached copy of
get-pip (``~/.ansible/test/cache/get_pip_<X>_<Y>.py``) and downloading it when absent. That host is
out of reach on our build machines, so ``tools/offline/offline-ansible-test`` places this file there instead:
it installs the interpreter's bundled pip with ensurepip, then runs ``pip install`` with the
arguments ansible-test gave, as get-pip does (pip then reaches the package index as usual).
"""

from __future__ import annotations

import subprocess
import sys

# get-pip accepts these; pip install does not know them.
GET_PIP_ONLY_OPTIONS = {"--no-setuptools", "--no-wheel", "--no-pip"}


def main() -> int:
    # A child process, so the pip imported by ensurepip does not shadow the one installed next.
    subprocess.run([sys.executable, "-m", "ensurepip", "--upgrade"], check=True, stdout=subprocess.DEVNULL)
    arguments = [argument for argument in sys.argv[1:] if argument not in GET_PIP_ONLY_OPTIONS]
    return subprocess.run([sys.executable, "-m", "pip", "install"] + arguments, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
