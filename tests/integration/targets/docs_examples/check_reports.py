"""Check the change reports that docs/examples/change_window.yml wrote, field by field."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def check(report_dir: Path) -> None:
    success = json.loads((report_dir / "CHG0000042-ID81.json").read_text(encoding="utf-8"))
    failure = json.loads((report_dir / "CHG0000042-ID82.json").read_text(encoding="utf-8"))
    assert (success["task_id"], success["result"], success["committed"]) == ("ID81", "succeeded", True), success
    assert success["update"]["updated_count"] == 2 and success["name"] == "CHG0000042", success
    assert (failure["task_id"], failure["result"], failure["committed"]) == ("ID82", "failed", False), failure
    assert (failure["rollback"]["status"], failure["rollback"]["checks"]) == ("Completed", "passed"), failure[
        "rollback"
    ]
    assert [device["object_id"] for device in failure["devices"]] == ["ID821", "ID822"], failure["devices"]
    markdown = (report_dir / "CHG0000042-ID82.md").read_text(encoding="utf-8")
    assert "ID822" in markdown and "LRT file too large" in markdown, markdown


if __name__ == "__main__":
    check(Path(sys.argv[1]))
    print("change reports checked")
