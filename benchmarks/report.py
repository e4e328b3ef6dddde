# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The results as Markdown tables (printed and written) and JSON, with the machine they came from."""

from __future__ import annotations

import datetime
import json
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

TOP = Path(__file__).resolve().parent.parent
README_START = "<!-- latest results: written by benchmarks/run.py -->"
README_END = "<!-- end of the latest results -->"


def machine() -> Dict[str, Any]:
    """What the figures depend on: processor, cores, memory, Python and the libraries in the measured code."""
    return {
        "cpu": _proc_field("/proc/cpuinfo", "model name") or platform.processor() or "unknown",
        "cores": os.cpu_count(),
        "memory_gib": round(int((_proc_field("/proc/meminfo", "MemTotal") or "0 kB").split()[0]) / 1024**2, 1),
        "os": platform.platform(terse=True),
        "python": platform.python_version(),
        "ansible_core": _version("ansible-core"),
        "requests": _version("requests"),
        "lxml": _version("lxml"),
    }


def _proc_field(path: str, name: str) -> str:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError:
        return ""
    return next((line.split(":", 1)[1].strip() for line in lines if line.split(":", 1)[0].strip() == name), "")


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def source_revision() -> str:
    """The commit measured, marked when the work tree had changes (read-only git commands)."""
    try:
        commit = _git("rev-parse", "--short", "HEAD")
        changed = _git("status", "--porcelain", "--untracked-files=no", "--", "plugins", "roles")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + (" with local changes" if changed else "")


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=TOP, capture_output=True, text=True, check=True).stdout.strip()


def load_average() -> float:
    """The machine's 1-minute load average: other work on a shared machine slows every figure."""
    return round(os.getloadavg()[0], 2)


def run_header(mode: str, seconds: float, load_before: float) -> Dict[str, Any]:
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "revision": source_revision(),
        "mode": mode,
        "seconds": round(seconds),
        "load_before": load_before,
        "load_after": load_average(),
    }


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> List[str]:
    """A Markdown table whose columns line up, so it reads as well in a terminal."""
    cells = [[str(value) for value in row] for row in [list(headers), *rows]]
    widths = [max(len(row[column]) for row in cells) for column in range(len(headers))]
    lines = ["| " + " | ".join(value.ljust(width) for value, width in zip(row, widths)) + " |" for row in cells]
    lines.insert(1, "|" + "|".join("-" * (width + 2) for width in widths) + "|")
    return lines


def _optional(value: Any, unit: str = "") -> str:
    return "-" if value is None else f"{value}{unit}"


def targets_section(targets: List[Dict[str, Any]]) -> List[str]:
    rows = [[item["name"], item["limit"], item["measured"], "PASS" if item["passed"] else "FAIL"] for item in targets]
    met = sum(1 for item in targets if item["passed"])
    return [
        "## Targets",
        "",
        *table(["target", "limit", "measured", "result"], rows),
        "",
        f"Targets met: {met} of {len(targets)}.",
    ]


def wait_section(results: Dict[str, Any]) -> List[str]:
    """Benchmark 1: the latency over the phase runs, each run, then the single runs (growing interval, expiring
    sessions), then why a way failed."""
    plan = results["plan"]
    lines = [f"## 1. Waiting for one task (poll interval {plan['poll_interval']:g} s)", ""]
    lines += _phases_intro(plan)
    lines += ["", *_latency_table(results["wait_one_latency"]), "", "Each run:", ""]
    phase_runs = [item for item in results["wait_one"] if item["series"] == "phases"]
    lines += _phase_runs_table(phase_runs)
    for series in ("lasting", "expiring"):
        items = [item for item in results["wait_one"] if item["series"] == series]
        if not items:
            continue
        lifetime = items[0]["session_lifetime"]
        heading = (
            "sessions last until the logout"
            if lifetime is None
            else f"sessions expire {lifetime:g} s after their login"
        )
        lines += ["", f"Once, the task finishing {plan['finish_after']:g} s after the start, {heading}:", ""]
        lines += _wait_table(items, with_expiry=lifetime is not None)
    failures = [
        f"- {item['label']} ({item['series']}, run {item['run']}): {item['reason']}"
        for item in results["wait_one"]
        if not item["succeeded"]
    ]
    if failures:
        lines += ["", "Why it failed (its figures cover the wait up to the failure):", "", *failures]
    return lines


def _phases_intro(plan: Dict[str, Any]) -> List[str]:
    first, last = plan["phase_base"], plan["phase_base"] + plan["poll_interval"]
    return [
        f"Detection latency: every way {plan['latency_runs']} times, sessions lasting until the logout, the task "
        f"finishing between {first:g} s and {last:g} s after the start, at a random phase of the poll (seed "
        f"{plan['seed']}: `python benchmarks/run.py --seed {plan['seed']}` repeats these moments). "
        "Detection latency = to the next poll + moving on (from the read that saw the end to the play's next task)."
    ]


def _latency_table(summaries: List[Dict[str, Any]]) -> List[str]:
    headers = [
        "way",
        "runs",
        "detection latency, mean",
        "worst",
        "to the next poll, mean",
        "worst",
        "moving on, mean",
        "worst",
        "HTTP requests (mean)",
        "most logins",
        "most sessions left open",
    ]
    rows = [
        [
            item["label"],
            item["runs"] if item["seen"] == item["runs"] else f"{item['seen']} of {item['runs']} seen",
            _optional(item["latency_mean"], " s"),
            _optional(item["latency_worst"], " s"),
            _optional(item["wait_for_poll_mean"], " s"),
            _optional(item["wait_for_poll_worst"], " s"),
            _optional(item["moving_on_mean"], " s"),
            _optional(item["moving_on_worst"], " s"),
            item["requests_mean"],
            item["logins_most"],
            item["sessions_open_most"],
        ]
        for item in summaries
    ]
    return table(headers, rows)


def _phase_runs_table(items: List[Dict[str, Any]]) -> List[str]:
    """Each way's runs together, in the order the ways ran."""
    way_order = list(dict.fromkeys(item["key"] for item in items))
    headers = [
        "way",
        "run",
        "finishes after",
        "succeeded",
        "detection latency",
        "= to the next poll + moving on",
        "HTTP requests",
        "polls (GET)",
        "logins",
        "sessions left open",
    ]
    rows = [
        [
            item["label"],
            item["run"],
            f"{item['finish_after']:.3f} s",
            _outcome(item),
            _optional(item["detection_latency"], " s"),
            f"{_optional(item['wait_for_poll'], ' s')} + {_optional(item['moving_on'], ' s')}",
            item["requests"],
            item["polls"],
            item["logins"],
            item["sessions_open"],
        ]
        for item in sorted(items, key=lambda entry: (way_order.index(entry["key"]), entry["run"]))
    ]
    return table(headers, rows)


def _wait_table(items: List[Dict[str, Any]], with_expiry: bool) -> List[str]:
    headers = [
        "way",
        "succeeded",
        "wall time",
        "HTTP requests",
        "polls (GET)",
        "logins",
        "logouts",
        "sessions left open",
        *(["sessions expired", "401 answers"] if with_expiry else []),
        "detection latency",
        "= to the next poll + moving on",
    ]
    rows = [
        [
            item["label"],
            _outcome(item),
            f"{item['wall_seconds']:.1f} s",
            item["requests"],
            item["polls"],
            item["logins"],
            item["logouts"],
            item["sessions_open"],
            *([item["sessions_expired"], item["refused"]] if with_expiry else []),
            _optional(item["detection_latency"], " s"),
            f"{_optional(item['wait_for_poll'], ' s')} + {_optional(item['moving_on'], ' s')}",
        ]
        for item in items
    ]
    return table(headers, rows)


def _outcome(item: Dict[str, Any]) -> str:
    if item["succeeded"]:
        return "yes" if item["expected_to_succeed"] else "yes (unexpected)"
    return "no, as expected" if not item["expected_to_succeed"] else "NO"


def scale_section(results: Dict[str, Any]) -> List[str]:
    rows = [
        [
            item["body_format"].upper(),
            f"{item['devices']:,}",
            f"{item['body_mb']:.2f}",
            f"{item['decode_seconds']:.3f}",
            f"{item['normalise_seconds']:.3f}",
            f"{item['seconds']:.3f}",
            f"{item['peak_rss_mb']:.0f}",
            f"{item['added_rss_mb']:.0f}",
        ]
        for item in results["task_scale"]
    ]
    headers = ["format", "devices", "body MB", "decode s", "normalise s", "total s", "peak RSS MiB", "added MiB"]
    growth = [
        f"- {body_format.upper()}, {ratios['from']:,} -> {ratios['to']:,} devices: time x{ratios['time_ratio']}, "
        f"added memory x{ratios['memory_ratio']} (per device x{ratios['time_per_device_ratio']} and "
        f"x{ratios['memory_per_device_ratio']}; 1.0 is linear)"
        for body_format, ratios in results["growth"].items()
    ]
    return [
        "## 2. Scale of one task: decode + normalise the task details",
        "",
        *table(headers, rows),
        "",
        "Growth:",
        "",
        *growth,
    ]


def rounds_section(results: Dict[str, Any]) -> List[str]:
    rows = [
        [
            item["tasks"],
            f"{item['latency_ms']} ms",
            f"{item['round_seconds']:.3f} s",
            ", ".join(f"{seconds:.3f}" for seconds in item["rounds_seconds"]),
            item["requests_per_round"],
        ]
        for item in results["many_tasks"]
    ]
    headers = ["tasks", "added latency", "one round (median)", "each round, s", "requests per round"]
    return ["## 3. Many tasks: one poll round of one wait", "", *table(headers, rows)]


def source_section(results: Dict[str, Any]) -> List[str]:
    rows = [
        [
            item["tasks"],
            f"{item['latency_ms']} ms",
            f"{item['round_seconds']:.3f} s",
            ", ".join(f"{seconds:.3f}" for seconds in item["rounds_seconds"]),
            item["requests_per_round"],
            item["first_round_events"],
            item["later_events"],
        ]
        for item in results["event_source"]
    ]
    headers = [
        "pending tasks",
        "added latency",
        "one round (median)",
        "each round, s",
        "requests per round",
        "events, first round",
        "events, later rounds",
    ]
    return ["## 4. The event source: one poll round over the pending tasks", "", *table(headers, rows)]


def schedule_section(results: Dict[str, Any]) -> List[str]:
    rows = [
        [
            item["shape"].replace("_", " then "),
            item["schedule"],
            item["runs"],
            f"{item['latency_mean']:.2f} s",
            f"{item['latency_worst']:.2f} s",
            item["reads_mean"],
            "" if item["half_time_error_worst"] is None else f"{item['half_time_error_worst']:.1%}",
        ]
        for item in results.get("schedule_summary", [])
    ]
    headers = ["update", "schedule", "runs", "latency (mean)", "latency (worst)", "reads per wait", "estimate error"]
    return ["## 5. A simulated 10-minute update: reads aimed at the predicted end", "", *table(headers, rows)]


def machine_section(results: Dict[str, Any]) -> List[str]:
    facts = results["machine"]
    run = results["run"]
    return [
        "## Machine and run",
        "",
        f"- CPU: {facts['cpu']}, {facts['cores']} cores; memory {facts['memory_gib']} GiB; {facts['os']}",
        f"- Python {facts['python']}, ansible-core {facts['ansible_core']}, requests {facts['requests']}, lxml {facts['lxml']}",
        f"- {run['date']}, collection at {run['revision']}, {run['mode']} run, {run['seconds']} s in all",
        f"- load average (1 minute): {run['load_before']} before the run (other work on the {facts['cores']} cores), "
        f"{run['load_after']} at its end (this run included)",
    ]


def sections(results: Dict[str, Any], chart: Optional[str], level: int) -> List[str]:
    """Every result section, headings at ``level`` (2 is ``##``); ``chart``: the PNG's path relative to the page, or None."""
    lines: List[str] = []
    if results["run"]["mode"] == "smoke":
        lines += [
            "A smoke run: tiny sizes that only show that every benchmark still runs; its targets mean nothing.",
            "",
        ]
    if chart:
        lines += [f"![The benchmark figures]({chart})", ""]
    for section in (
        targets_section(results["targets"]),
        wait_section(results),
        scale_section(results),
        rounds_section(results),
        source_section(results),
        schedule_section(results),
        machine_section(results),
    ):
        lines += ["#" * level + line[2:] if line.startswith("## ") else line for line in section] + [""]
    return lines


def page(results: Dict[str, Any], chart: Optional[str]) -> str:
    intro = "Written by `make bench` (benchmarks/run.py); what each figure means: benchmarks/README.md."
    return "\n".join(["# Benchmark results", "", intro, "", *sections(results, chart, 2)])


def write(results: Dict[str, Any], out: Path, chart: bool) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    (out / "results.md").write_text(page(results, "chart.png" if chart else None), encoding="utf-8")
    (out / "machine.json").write_text(json.dumps(results["machine"], indent=2) + "\n", encoding="utf-8")


def update_readme(readme: Path, results: Dict[str, Any], chart: bool) -> None:
    """Put the latest results between the README's markers, so the README always shows the committed figures."""
    text = readme.read_text(encoding="utf-8")
    start, end = text.index(README_START) + len(README_START), text.index(README_END)
    block = sections(results, "results/chart.png" if chart else None, 3)
    readme.write_text(text[:start] + "\n\n" + "\n".join(block) + text[end:], encoding="utf-8")
