# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark 5: the reads of a 10-minute update, aimed at the predicted end against today's growing schedule.

Simulated time, not a 10-minute wait: the action's loop (`SlicedWait`) with its slices and progress lines, each
slice a `PollWait` as route_update_info runs it, both imported from the collection copy, on the fake clock of the
tests (tests/simulator/fake_clock.py). The task follows a script of device finishes; each read costs
`READ_SECONDS` and each slice (a module run and its login) `MODULE_START` of simulated time. Default settings:
first sleep 5 s growing to 30 s, a progress line every 60 s. Two updates of `DEVICES` devices:

- steady: the devices finish evenly until the end;
- stall then burst: 40 % finish evenly in the first 40 % of the time, none for the next 30 %, then half of
  them within 10 s, the rest evenly until the end.

Each is run at 5 random phases: the end falls at 600 s plus a random part of one progress interval (stratified
as in benchmark 1, seeded). Each phase runs twice, with the aimed schedule (today's code) and with the growing
schedule alone (``PollWait(aim=False)`` and ``SlicedWait(aim=False)``: slices on the progress marks only, the
schedule before issue 26). Figures: the detection latency (from the
end to the read that saw it), the reads per wait, and, on the steady update, the error of the estimate a
progress line shows at half-time (the first line at or after it), against the time truly left.

    python benchmarks/schedule.py [COLLECTIONS]   # the figures alone (the collection copy: build/bench)
"""

from __future__ import annotations

import importlib
import json
import math
import random
import statistics
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

MODULE_UTILS = "ansible_collections.ocsdm.route_manager.plugins.module_utils"
PLUGIN_UTILS = "ansible_collections.ocsdm.route_manager.plugins.plugin_utils"
FAKE_CLOCK = "ansible_collections.ocsdm.route_manager.tests.simulator.fake_clock"
DEVICES = 100
UPDATE_SECONDS = 600.0
PHASES = 5
READ_SECONDS = 0.05
MODULE_START = 0.5
# the action's defaults (plugins/action/route_update_wait.py)
SLEEP, SLEEP_MAX, PROGRESS_INTERVAL, TIMEOUT = 5.0, 30.0, 60, 1800
TASK_ID = "SIM1"
SHAPES = ("steady", "stall_burst")


@dataclass
class ScheduleRun:
    shape: str
    schedule: str  # "aimed" or "growing" (before issue 26)
    end: float
    latency: float
    reads: int
    slices: int
    half_time_error: Optional[float]  # steady, aimed run: |shown left - true left| / true left


@dataclass
class ScheduleSummary:
    shape: str
    schedule: str
    runs: int
    latency_mean: float
    latency_worst: float
    reads_mean: float
    half_time_error_worst: Optional[float]


def finish_times(shape: str, end: float, devices: int = DEVICES) -> List[float]:
    """When each device finishes, the last at ``end``."""
    if shape == "steady":
        return [end * (number + 1) / devices for number in range(devices)]
    early = int(devices * 0.4)
    burst = (devices - early) // 2
    rest = devices - early - burst
    stall_end = end * 0.7
    times = [end * 0.4 * (number + 1) / early for number in range(early)]
    times += [stall_end + 10.0 * (number + 1) / burst for number in range(burst)]
    times += [stall_end + 10.0 + (end - stall_end - 10.0) * (number + 1) / rest for number in range(rest)]
    return times


def modules(collections: Path) -> Dict[str, Any]:
    if str(collections) not in sys.path:
        sys.path.insert(0, str(collections))
    return {
        "normalise": importlib.import_module(MODULE_UTILS + "._normalise"),
        "states": importlib.import_module(MODULE_UTILS + "._states"),
        "poll_wait": importlib.import_module(MODULE_UTILS + "._poll_wait"),
        "wait_options": importlib.import_module(MODULE_UTILS + "._wait_options"),
        "sliced_wait": importlib.import_module(PLUGIN_UTILS + "._sliced_wait"),
        # the one fake clock of the tests: sleeping advances it at once
        "fake_clock": importlib.import_module(FAKE_CLOCK),
    }


class ScriptedTask:
    """Stands in for SdmClient: the task as the finish times say it is at each read, every read recorded."""

    def __init__(self, clock: Any, finishes: Sequence[float], normalise: Callable[..., Any]) -> None:
        self.clock = clock
        self.finishes = sorted(finishes)
        self.normalise = normalise
        self.reads: List[Tuple[float, bool]] = []

    def read_task(self, task_id: str, matcher: Any, deadline: Any = None) -> Any:
        self.clock.sleep(READ_SECONDS)
        now = self.clock.monotonic()
        done = sum(1 for when in self.finishes if when <= now)
        finished = done == len(self.finishes)
        self.reads.append((now, finished))
        # each device says where it is, as SDM's device list does: a success needs that evidence
        devices = [
            {"objectId": "D%d" % number, "status": "Completed" if when <= now else "InProgress"}
            for number, when in enumerate(self.finishes)
        ]
        raw = {
            "updateStatus": "Completed" if finished else "InProgress",
            "totalDeviceCount": str(len(self.finishes)),
            "updatedCount": str(done),
            "deviceStatusList": devices,
        }
        return self.normalise(raw, task_id, matcher)


def run_one(mods: Dict[str, Any], shape: str, end: float, aim: bool) -> ScheduleRun:
    clock = mods["fake_clock"].FakeClock(start=0.0)
    matcher = mods["states"].StateMatcher()
    source = ScriptedTask(clock, finish_times(shape, end), mods["normalise"].normalise_task)
    slice_reads: List[int] = []

    def read(phase: str, seconds: float) -> Any:
        clock.sleep(MODULE_START)
        timeout = 0 if phase == "read" else max(1, int(math.ceil(seconds)))
        waiter = mods["poll_wait"].PollWait(
            source, matcher, timeout=timeout, sleep=SLEEP, sleep_max=SLEEP_MAX, clock=clock, aim=aim
        )
        try:
            result = waiter.wait([TASK_ID])
            task, polls = result.tasks[0], result.polls
        except mods["poll_wait"].SdmWaitTimeout as timed_out:
            task, polls = timed_out.tasks[0], timed_out.polls
        slice_reads.append(polls)
        return mods["sliced_wait"].SliceRead(task=task, polls=polls)

    lines: List[Tuple[float, str]] = []
    options = mods["wait_options"].WaitOptions(
        task_id=TASK_ID,
        timeout=TIMEOUT,
        progress_interval=PROGRESS_INTERVAL,
        poll_interval=SLEEP,
        poll_interval_max=SLEEP_MAX,
    )
    wait = mods["sliced_wait"].SlicedWait(
        options,
        matcher,
        read=read,
        act=lambda action: None,
        show=lambda line: lines.append((clock.monotonic(), line)),
        clock=clock,
        aim=aim,
    )
    outcome, _timing = wait.run()
    seen = next((when for when, finished in source.reads if finished), None)
    if seen is None or outcome.result != "succeeded":
        raise RuntimeError(f"the simulated {shape} update ending at {end:.1f} s was not seen to succeed")
    return ScheduleRun(
        shape=shape,
        schedule="aimed" if aim else "growing",
        end=round(end, 2),
        latency=round(seen - end, 3),
        reads=len(source.reads),
        slices=len(slice_reads),
        half_time_error=half_time_error(lines, end) if shape == "steady" and aim else None,
    )


def half_time_error(lines: List[Tuple[float, str]], end: float) -> Optional[float]:
    """The estimate of the first progress line at or after half-time, against the time truly left (a share)."""
    for when, line in lines:
        if when >= end / 2:
            left = shown_left(line)
            return None if left is None else round(abs(left - (end - when)) / (end - when), 3)
    return None


def shown_left(line: str) -> Optional[float]:
    """Seconds of ``about 5 min left`` / ``about 40 s left`` / ``about 1 h 5 min left`` in a progress line."""
    if " left" not in line:
        return None
    words = line.split("about ", 1)[1].split(" left", 1)[0].split()
    units = {"h": 3600.0, "min": 60.0, "s": 1.0}
    return sum(float(number) * units[unit] for number, unit in zip(words[::2], words[1::2]))


def phase_ends(seed: int, phases: int = PHASES) -> List[float]:
    """The end of each run: 600 s plus a random moment of its own share of one progress interval, shuffled."""
    generator = random.Random(seed)
    ends = [UPDATE_SECONDS + PROGRESS_INTERVAL * (slot + generator.random()) / phases for slot in range(phases)]
    generator.shuffle(ends)
    return ends


def run(collections: Path, seed: int, phases: int = PHASES) -> List[ScheduleRun]:
    mods = modules(collections)
    ends = phase_ends(seed, phases)
    return [run_one(mods, shape, end, aim) for shape in SHAPES for end in ends for aim in (True, False)]


def summarise(runs: List[ScheduleRun]) -> List[ScheduleSummary]:
    summaries = []
    for shape in SHAPES:
        for schedule in ("aimed", "growing"):
            items = [item for item in runs if item.shape == shape and item.schedule == schedule]
            errors = [item.half_time_error for item in items if item.half_time_error is not None]
            summaries.append(
                ScheduleSummary(
                    shape=shape,
                    schedule=schedule,
                    runs=len(items),
                    latency_mean=round(statistics.mean(item.latency for item in items), 2),
                    latency_worst=round(max(item.latency for item in items), 2),
                    reads_mean=round(statistics.mean(item.reads for item in items), 1),
                    half_time_error_worst=max(errors) if len(errors) == len(items) and errors else None,
                )
            )
    return summaries


def as_dicts(items: Sequence[Any]) -> List[Dict[str, Any]]:
    return [asdict(item) for item in items]


def main(argv: List[str]) -> int:
    collections = Path(argv[0]) if argv else Path(__file__).resolve().parent.parent / "build" / "bench"
    seed = random.SystemRandom().randrange(2**32)
    runs = run(collections, seed)
    print(json.dumps({"seed": seed, "summaries": as_dicts(summarise(runs)), "runs": as_dicts(runs)}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
