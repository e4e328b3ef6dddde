"""Mirror the collection into WORK/ansible_collections/ocsdm/route_manager.

ansible-test needs the collection at that path and refuses a symlink, so we copy the files git
knows (tracked, plus new files that are not ignored) and delete copies whose source is gone.
ansible-test's own output and the generated integration files in the copy are left alone.
The copy gets a git repository of its own: inside our (git-ignored) build folder, ansible-test
would otherwise ask our repository which files exist, and find none.
Usage: python3 tools/sync_worktree.py WORK   (prints the collection path)
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

TOP = Path(__file__).resolve().parent.parent
KEPT_IN_COPY = (
    ".git/",
    "tests/output/",
    "tests/integration/inventory",
    "tests/integration/integration_config.yml",
    "tests/integration/sdm-simulator-ca.pem",
)


def source_files() -> set[str]:
    listing = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=TOP, check=True, capture_output=True, text=True
    ).stdout
    return {name for name in listing.split("\0") if name and (TOP / name).is_file()}


def copy_changed(files: set[str], dest: Path) -> None:
    for name in files:
        source, target = TOP / name, dest / name
        stat = source.stat()
        if target.is_file() and target.stat().st_mtime == stat.st_mtime and target.stat().st_size == stat.st_size:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)


def delete_stale(files: set[str], dest: Path) -> None:
    for target in dest.rglob("*"):
        name = target.relative_to(dest).as_posix()
        if target.is_file() and name not in files and not name.startswith(KEPT_IN_COPY) and "__pycache__" not in name:
            target.unlink()


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    dest = Path(sys.argv[1]).resolve() / "ansible_collections" / "ocsdm" / "route_manager"
    dest.mkdir(parents=True, exist_ok=True)
    files = source_files()
    if not (dest / ".git").is_dir():
        subprocess.run(["git", "init", "--quiet", str(dest)], check=True)
    copy_changed(files, dest)
    delete_stale(files, dest)
    print(dest)
    return 0


if __name__ == "__main__":
    sys.exit(main())
