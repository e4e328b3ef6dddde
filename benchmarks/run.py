# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the five benchmarks of the collection against the SDM simulator; print and write the results.

    python benchmarks/run.py [--smoke] [--runs N] [--seed SEED] [--out DIR] [--chart-python PYTHON]

The full run (``make bench``, about 5 minutes) writes benchmarks/results/. ``--smoke`` runs every
benchmark end to end at tiny sizes in under a minute (``make test``), so the benchmarks cannot rot;
its targets are printed but not judged. Exit status: 1 when a benchmark could not run (for example
a playbook failed where it should succeed), else 0, also when a target is missed: the table says
which. The one-session uri loop failing when its session expires is a result, not a problem.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import event_source
import many_tasks
import report
import schedule
import targets
import task_scale
import wait_one
from sim import Simulator

TOP = Path(__file__).resolve().parent.parent
COLLECTIONS = TOP / "build" / "bench"
LOGS = TOP / "build" / "bench-logs"
RESULTS = TOP / "benchmarks" / "results"
README = TOP / "benchmarks" / "README.md"


@dataclass(frozen=True)
class Plan:
    """The sizes of one run."""

    mode: str
    # benchmark 1's latency comparison: every way this many times, the task finishing between phase_base and one poll
    # interval later (at a random phase of the poll)
    latency_runs: int
    phase_base: float
    # benchmark 1's other runs (the growing interval, the expiring sessions): the task finishes this long after the load
    finish_after: float
    poll_interval: float  # whole seconds: the uri loop with a session per poll sleeps with ansible.builtin.pause
    # benchmark 1's second run: sessions expire this long after their login, once during the role's wait
    session_lifetime: float
    with_growth: bool
    device_counts: Tuple[int, ...]  # the middle one is the checkpoint of the targets, the last the largest
    task_counts: Tuple[int, ...]
    latency: float = 0.05  # added to every SDM answer in benchmark 3
    rounds: int = 3
    seed: Optional[int] = None  # of benchmark 1's finish times; None until the run picks one (chosen_plan)


FULL = Plan(
    "full",
    latency_runs=5,
    # a few polls before the finish, so that each way polls at its steady pace when the task ends
    phase_base=6,
    finish_after=20,
    poll_interval=2,
    session_lifetime=12,
    with_growth=True,
    device_counts=(1_000, 10_000, 100_000),
    task_counts=(1, 10, 100),
)
# The one-session uri loop's second read comes at least the interval and two uri runs after its login, later than 1.5 s:
# its session has expired by then, whatever the machine's speed; its first read sees the task (3 s) running unless
# Ansible took over 2.5 s to start (then the run only warns). A session per poll lives well under 1.5 s.
SMOKE = Plan(
    "smoke",
    latency_runs=2,
    phase_base=3,
    finish_after=3,
    poll_interval=1,
    session_lifetime=1.5,
    with_growth=False,
    device_counts=(100, 1_000, 2_000),
    task_counts=(1, 5, 10),
    rounds=1,
)


def parse_args(argv: List[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python benchmarks/run.py", description=(__doc__ or "").strip().splitlines()[0]
    )
    parser.add_argument(
        "--smoke", action="store_true", help="tiny sizes, a few seconds: checks that every benchmark still runs"
    )
    parser.add_argument(
        "--runs",
        type=positive,
        help="runs of each way in benchmark 1's latency comparison (default 5, in the smoke run 2)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        help="seed of the random finish times of benchmark 1 (default: a new one, printed): repeats a run's moments",
    )
    parser.add_argument(
        "--out", type=Path, help="results folder (default: benchmarks/results, or build/bench-smoke with --smoke)"
    )
    parser.add_argument(
        "--chart-python",
        help="a Python with matplotlib (.venv-bench/bin/python) to draw chart.png; without it no chart",
    )
    return parser.parse_args(argv)


def positive(text: str) -> int:
    number = int(text)
    if number < 1:
        raise argparse.ArgumentTypeError(f"at least 1, not {number}")
    return number


def chosen_plan(args: argparse.Namespace) -> Plan:
    """The plan of the mode, with the runs asked for and the seed given (or a new one)."""
    plan = SMOKE if args.smoke else FULL
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**32)
    return dataclasses.replace(plan, latency_runs=args.runs or plan.latency_runs, seed=seed)


def wait_schedule(plan: Plan) -> wait_one.Schedule:
    return wait_one.Schedule(
        poll_interval=plan.poll_interval,
        phase_runs=plan.latency_runs,
        phase_base=plan.phase_base,
        finish_after=plan.finish_after,
        session_lifetime=plan.session_lifetime,
        with_growth=plan.with_growth,
    )


def sync_collection() -> Path:
    """A fresh copy of the collection for ansible-playbook and the imports (tools/sync_worktree.py)."""
    subprocess.run(
        [sys.executable, str(TOP / "tools" / "sync_worktree.py"), str(COLLECTIONS)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return COLLECTIONS


@contextmanager
def step(title: str) -> Iterator[None]:
    """Print what runs now, then how long it took."""
    print(f"==> {title}", flush=True)
    started = time.monotonic()
    yield
    print(f"    took {time.monotonic() - started:.0f} s", flush=True)


def measure(plan: Plan, collections: Path) -> Dict[str, Any]:
    LOGS.mkdir(parents=True, exist_ok=True)
    with Simulator() as sim:
        title = (
            f"1. waiting for one task: each way {plan.latency_runs} times, finishing at a random phase of the poll "
            f"(seed {plan.seed}: --seed {plan.seed} repeats these moments), then once after {plan.finish_after:g} s "
            "(logs in build/bench-logs/)"
        )
        with step(title):
            waits = wait_one.run(sim, collections, LOGS, wait_schedule(plan), plan.seed or 0)
        with step(
            f"2. decoding and normalising {', '.join(f'{count:,}' for count in plan.device_counts)} devices "
            "(and the checkpoint with the code before issue 26)"
        ):
            scale = task_scale.run(sim, collections, plan.device_counts)
            checkpoint = plan.device_counts[len(plan.device_counts) // 2]
            scale_before = task_scale.run_before(sim, COLLECTIONS.parent / "bench-before", checkpoint)
        with step(
            f"3. one poll round over {', '.join(map(str, plan.task_counts))} tasks, {plan.latency * 1000:g} ms per answer"
        ):
            rounds = many_tasks.run(sim, collections, plan.task_counts, plan.latency, plan.rounds)
        with step(
            f"4. one poll round of the event source over {', '.join(map(str, plan.task_counts))} pending tasks, "
            f"{plan.latency * 1000:g} ms per answer"
        ):
            source_rounds = event_source.run(sim, collections, plan.task_counts, plan.latency, plan.rounds)
    with step(
        f"5. a simulated {schedule.UPDATE_SECONDS / 60:g}-minute update ({schedule.DEVICES} devices; steady, and a "
        f"stall then a burst) at {plan.latency_runs} random phases, aimed schedule against the growing one alone"
    ):
        schedule_runs = schedule.run(collections, plan.seed or 0, plan.latency_runs)
    schedule_summaries = schedule.summarise(schedule_runs)
    checkpoint, largest = plan.device_counts[len(plan.device_counts) // 2], plan.device_counts[-1]
    latency = wait_one.summarise(waits)
    return {
        "plan": asdict(plan),
        "wait_one": wait_one.as_dicts(waits),
        "wait_one_latency": wait_one.summaries_as_dicts(latency),
        "task_scale": task_scale.as_dicts(scale),
        "task_scale_before": task_scale.as_dicts(scale_before),
        "growth": {
            body_format: dict(
                task_scale.growth(scale, body_format, checkpoint, largest), **{"from": checkpoint, "to": largest}
            )
            for body_format in task_scale.FORMATS
        },
        "many_tasks": many_tasks.as_dicts(rounds),
        "event_source": event_source.as_dicts(source_rounds),
        "schedule": schedule.as_dicts(schedule_runs),
        "schedule_summary": schedule.as_dicts(schedule_summaries),
        "targets": targets.as_dicts(
            targets.evaluate(
                waits,
                latency,
                plan.poll_interval,
                scale,
                rounds,
                source_rounds,
                schedule_runs,
                schedule_summaries,
                scale_before,
            )
        ),
    }


def draw_chart(chart_python: Optional[str], out: Path) -> bool:
    if not chart_python or not Path(chart_python).exists():
        print("no chart: give --chart-python with a Python that has matplotlib (make bench uses .venv-bench)")
        return False
    subprocess.run(
        [chart_python, str(Path(__file__).with_name("chart.py")), str(out / "results.json"), str(out / "chart.png")],
        check=True,
    )
    return True


def broken_benchmarks(results: Dict[str, Any]) -> Tuple[List[str], List[str]]:
    """Problems that mean a benchmark did not run as designed (as opposed to a missed target), and warnings.

    A way of benchmark 1 that fails where it is expected to fail (one session, and it expires) is a result. One that
    succeeds there did not meet an expiry: a problem in the full run, a warning in the smoke run, whose tiny wait
    depends more on how fast Ansible starts.
    """
    problems: List[str] = []
    warnings: List[str] = []
    for item in results["wait_one"]:
        where = f"'{item['label']}' (series {item['series']}, run {item['run']})"
        log = f"build/bench-logs/{wait_one.log_name(item['series'], item['key'], item['run'])}"
        if item["timed_out"]:
            problems.append(f"the playbook of {where} did not end in time: see {log}")
        elif item["expected_to_succeed"] and not item["succeeded"]:
            problems.append(f"the playbook of {where} failed ({item['reason']}): see {log}")
        elif item["succeeded"] and not item["expected_to_succeed"]:
            message = f"{where} succeeded although its session should have expired during the wait: see {log}"
            (warnings if results["plan"]["mode"] == "smoke" else problems).append(message)
    for item in results["event_source"]:
        if item["first_round_events"] != 2 * item["tasks"] or item["later_events"]:
            problems.append(
                f"the event source gave {item['first_round_events']} events for {item['tasks']} finished tasks "
                f"(2 each: appeared, finished) and {item['later_events']} more in rounds that changed nothing"
            )
    return problems, warnings


def main(argv: List[str]) -> int:
    args = parse_args(argv)
    plan = chosen_plan(args)
    out = (args.out or (TOP / "build" / "bench-smoke" if args.smoke else RESULTS)).resolve()
    started, load_before = time.monotonic(), report.load_average()
    results = measure(plan, sync_collection())
    results["machine"] = report.machine()
    results["run"] = report.run_header(plan.mode, time.monotonic() - started, load_before)
    report.write(results, out, chart=False)  # chart.py reads results.json
    chart = draw_chart(args.chart_python, out)
    report.write(results, out, chart)
    if out == RESULTS:
        report.update_readme(README, results, chart)
    print()
    print(report.page(results, chart=None))
    print(
        f"Written to {out.relative_to(TOP) if out.is_relative_to(TOP) else out}/ (results.md, results.json, machine.json"
        f"{', chart.png' if chart else ''})"
    )
    problems, warnings = broken_benchmarks(results)
    for warning in warnings:
        print(f"WARNING: {warning}", file=sys.stderr)
    for problem in problems:
        print(f"ERROR: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
