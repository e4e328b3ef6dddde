# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark 2: decode and normalise the details of one task with many devices, XML and JSON.

The simulator writes the answers (one task, 1 % of its devices failed); each is saved to a file and
measured by measure_decode.py in a process of its own: median time of decode + normalise, and the
process's peak resident memory.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

import requests

import scenarios
from sim import CONTROL_TIMEOUT, Simulator

MEASURE = Path(__file__).resolve().parent / "measure_decode.py"
TOP = Path(__file__).resolve().parent.parent
# The collection as it was before issue 26 (decoding near lxml's floor): measured in the same run as a reference
BEFORE_REVISION = "c8969c23e0a89e11b5950930aef8e731a58843c2"
FORMATS = {"xml": "application/xml", "json": "application/json"}
MEASURE_TIMEOUT = 300.0


@dataclass
class ScaleFigures:
    body_format: str
    devices: int
    failed_devices: int
    body_mb: float
    seconds: float
    decode_seconds: float
    normalise_seconds: float
    peak_rss_mb: float
    added_rss_mb: float


def repeats_for(devices: int) -> int:
    """Timed rounds per answer: fewer for the big ones, whose single round is long enough to be steady."""
    return 9 if devices <= 10_000 else 3


def run(sim: Simulator, collections: Path, sizes: Sequence[int]) -> List[ScaleFigures]:
    figures = []
    with tempfile.TemporaryDirectory(prefix="sdm-bench-scale-") as folder:
        for devices in sizes:
            for body_format, body_file in save_answers(sim, devices, Path(folder)):
                figures.append(measure(collections, body_format, body_file, devices))
                body_file.unlink()
    return figures


def run_before(sim: Simulator, folder: Path, devices: int) -> List[ScaleFigures]:
    """The same measure of ``devices`` with the decoding and normalising before issue 26 (`BEFORE_REVISION`).

    Nothing (the targets say so) in a clone without that revision, such as a shallow one.
    """
    try:
        collections = before_collection(folder)
    except subprocess.CalledProcessError:
        return []
    figures = []
    with tempfile.TemporaryDirectory(prefix="sdm-bench-scale-") as answers:
        for body_format, body_file in save_answers(sim, devices, Path(answers)):
            figures.append(measure(collections, body_format, body_file, devices))
    return figures


def before_collection(folder: Path) -> Path:
    """The module_utils of `BEFORE_REVISION` under ``folder``, laid out as a collection (``git archive``)."""
    root = folder / "ansible_collections" / "ocsdm" / "route_manager"
    root.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(
        ["git", "-C", str(TOP), "archive", BEFORE_REVISION, "plugins/module_utils"], capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(root)], input=archive, check=True)
    return folder


def save_answers(sim: Simulator, devices: int, folder: Path) -> List[Tuple[str, Path]]:
    """The task's details as the simulator answers them, one file per format."""
    sim.load(scenarios.big_task(devices))
    saved = []
    with requests.Session() as http:
        base = f"{sim.url}/rest/v1.3"
        login = {"userName": scenarios.USERNAME, "password": scenarios.PASSWORD}
        http.post(f"{base}/admin/login", json=login, timeout=CONTROL_TIMEOUT).raise_for_status()
        for body_format, media_type in FORMATS.items():
            answer = http.get(
                f"{base}/routeSets/routeUpdates/{scenarios.BIG_TASK_ID}",
                headers={"Accept": media_type},
                timeout=CONTROL_TIMEOUT,
            )
            answer.raise_for_status()
            path = folder / f"{devices}.{body_format}"
            path.write_bytes(answer.content)
            saved.append((body_format, path))
        http.post(f"{base}/admin/logout", timeout=CONTROL_TIMEOUT)
    return saved


def measure(collections: Path, body_format: str, body_file: Path, devices: int) -> ScaleFigures:
    command = [
        sys.executable,
        str(MEASURE),
        str(collections),
        str(body_file),
        FORMATS[body_format],
        scenarios.BIG_TASK_ID,
        str(repeats_for(devices)),
    ]
    output = subprocess.run(command, capture_output=True, text=True, timeout=MEASURE_TIMEOUT, check=True).stdout
    result: Dict[str, Any] = json.loads(output)
    if result["devices"] != devices or result["failed_devices"] != devices // 100:
        raise RuntimeError(
            f"{body_format} with {devices} devices normalised to {result['devices']} devices, "
            f"{result['failed_devices']} failed; expected {devices} and {devices // 100}"
        )
    return ScaleFigures(body_format=body_format, **result)


def growth(figures: List[ScaleFigures], body_format: str, small: int, large: int) -> Dict[str, float]:
    """How time and added memory grow from ``small`` to ``large`` devices, per device (1.0 = linear)."""
    by_size = {item.devices: item for item in figures if item.body_format == body_format}
    low, high = by_size[small], by_size[large]
    factor = large / small
    return {
        "time_ratio": round(high.seconds / low.seconds, 2),
        "memory_ratio": round(high.added_rss_mb / max(low.added_rss_mb, 0.1), 2),
        "time_per_device_ratio": round(high.seconds / low.seconds / factor, 2),
        "memory_per_device_ratio": round(high.added_rss_mb / max(low.added_rss_mb, 0.1) / factor, 2),
    }


def as_dicts(figures: List[ScaleFigures]) -> List[Dict[str, Any]]:
    return [asdict(item) for item in figures]
