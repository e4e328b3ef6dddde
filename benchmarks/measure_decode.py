# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Child process of benchmark 2: decode and normalise one saved task answer, print figures as JSON.

A fresh process per answer, so its peak resident memory (``VmHWM``) belongs to this answer
alone; tracemalloc would miss the memory of lxml's C library. The work is what
``SdmClient.read_task`` does with an answer: ``decode_body`` then ``normalise_task``.
Usage: python benchmarks/measure_decode.py COLLECTIONS BODY_FILE CONTENT_TYPE TASK_ID REPEATS
"""

from __future__ import annotations

import gc
import importlib
import json
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

MODULE_UTILS = "ansible_collections.ocsdm.route_manager.plugins.module_utils"


def peak_rss_mb() -> float:
    """The process's peak resident memory so far, in MiB.

    Linux's VmHWM, not ru_maxrss: ru_maxrss survives exec, so a child would start with the peak of
    the process that forked it.
    """
    status = Path("/proc/self/status")
    if status.is_file():
        for line in status.read_text(encoding="ascii").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def client_steps(collections: str) -> Tuple[Callable[..., Any], Callable[..., Any], Any]:
    """decode_body, normalise_task and a default StateMatcher, from the collection copy."""
    sys.path.insert(0, collections)
    decode = importlib.import_module(MODULE_UTILS + "._decode")
    normalise = importlib.import_module(MODULE_UTILS + "._normalise")
    states = importlib.import_module(MODULE_UTILS + "._states")
    return decode.decode_body, normalise.normalise_task, states.StateMatcher()


def timed(step: Callable[..., Any], *args: Any) -> Tuple[Any, float]:
    started = time.perf_counter()
    result = step(*args)
    return result, time.perf_counter() - started


def measure(collections: str, body: bytes, content_type: str, task_id: str, repeats: int) -> Dict[str, Any]:
    decode_body, normalise_task, matcher = client_steps(collections)
    decode_args = (body, content_type, "routeUpdateTaskDetails", "route update task details")
    gc.collect()
    rss_before = peak_rss_mb()
    # the first round, for memory: the peak while both the decoded answer and the normalised task are alive
    raw, _seconds = timed(decode_body, *decode_args)
    (task, _warnings), _seconds = timed(normalise_task, raw, task_id, matcher)
    rss_peak = peak_rss_mb()
    devices, failed = len(task["devices"]), len(task["failed_devices"])
    del raw, task
    decode_times: List[float] = []
    normalise_times: List[float] = []
    for _round in range(repeats):
        raw, decode_seconds = timed(decode_body, *decode_args)
        _result, normalise_seconds = timed(normalise_task, raw, task_id, matcher)
        decode_times.append(decode_seconds)
        normalise_times.append(normalise_seconds)
        del raw, _result
    totals = [one + two for one, two in zip(decode_times, normalise_times)]
    return {
        "devices": devices,
        "failed_devices": failed,
        "body_mb": round(len(body) / 1e6, 2),
        "seconds": round(statistics.median(totals), 4),
        "decode_seconds": round(statistics.median(decode_times), 4),
        "normalise_seconds": round(statistics.median(normalise_times), 4),
        "peak_rss_mb": round(rss_peak, 1),
        "added_rss_mb": round(rss_peak - rss_before, 1),
    }


def main(argv: List[str]) -> int:
    if len(argv) != 5:
        print((__doc__ or "").strip().splitlines()[-1], file=sys.stderr)
        return 2
    collections, body_file, content_type, task_id, repeats = argv
    body = Path(body_file).read_bytes()
    print(json.dumps(measure(collections, body, content_type, task_id, int(repeats))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
