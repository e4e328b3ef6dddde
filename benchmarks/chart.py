# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Draw results.json as one PNG: four panels (benchmark 1 across the top), each target as a dashed line.

Runs in its own venv (.venv-bench, from requirements/bench.txt), so matplotlib stays out of the
collection's tools. Usage: python benchmarks/chart.py RESULTS_JSON PNG
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Dict, List

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402  pylint: disable=wrong-import-position
from matplotlib import ticker  # noqa: E402  pylint: disable=wrong-import-position

TARGET_STYLE = {"color": "tab:red", "linestyle": "--", "linewidth": 1}
FORMAT_COLOURS = {"xml": "tab:blue", "json": "tab:orange"}


def plain_ticks(axes: Any) -> None:
    """Numbers as 1,000 and 0.5 rather than powers of ten; no labels on minor ticks."""
    plain = ticker.FuncFormatter(lambda value, _position: f"{value:,g}")
    for axis in (axes.xaxis, axes.yaxis):
        axis.set_major_formatter(plain)
        axis.set_minor_formatter(ticker.NullFormatter())


def wait_panel(axes: Any, results: Dict[str, Any]) -> None:
    """Benchmark 1: requests and detection latency of each way, lasting sessions then expiring ones, with both targets."""
    waits: List[Dict[str, Any]] = results["wait_one"]
    positions = list(range(len(waits)))
    width = 0.38
    failed = [not item["succeeded"] for item in waits]
    requests = axes.bar(
        [x - width / 2 for x in positions],
        [item["requests"] for item in waits],
        width,
        label="HTTP requests",
        color=["lightgrey" if fail else "tab:blue" for fail in failed],
        hatch=["//" if fail else "" for fail in failed],
    )
    axes.bar_label(requests, fontsize=8)
    expiring = [x for x, item in zip(positions, waits) if item["sessions"] == "expiring"]
    # the limit as targets.py computed it (half of the baseline's requests per poll, at the role's polls)
    limit = next((item["limit_value"] for item in results["targets"] if item.get("limit_value") is not None), None)
    if limit is not None and expiring:
        axes.hlines(
            limit,
            min(expiring) - 0.5,
            max(expiring) + 0.5,
            color="tab:blue",
            linestyle=":",
            linewidth=1,
            label="requests target (half of the uri loop with a session per poll, at the same interval)",
        )
    axes.set_xticks(
        positions,
        [item["label"].replace(", ", "\n", 1) + ("\n(failed)" if fail else "") for item, fail in zip(waits, failed)],
        fontsize=8,
    )
    axes.set_ylabel("HTTP requests per wait")
    axes.set_ylim(0, max(item["requests"] for item in waits) * 1.45)
    latency_axes = axes.twinx()
    latencies = [item["detection_latency"] or 0 for item in waits]
    bars = latency_axes.bar(
        [x + width / 2 for x in positions], latencies, width, label="detection latency, s", color="tab:green"
    )
    latency_axes.bar_label(
        bars, labels=["" if fail else f"{value:.2f} s" for value, fail in zip(latencies, failed)], fontsize=8
    )
    latency_axes.axhline(results["plan"]["poll_interval"] + 0.5, label="latency target", **TARGET_STYLE)
    latency_axes.set_ylabel("detection latency, s")
    latency_axes.set_ylim(0, max(latencies + [results["plan"]["poll_interval"] + 0.5]) * 1.45)
    _session_groups(axes, waits)
    handles = axes.get_legend_handles_labels()[0] + latency_axes.get_legend_handles_labels()[0]
    axes.legend(handles=handles, fontsize=7, loc="upper left", ncol=2)
    axes.set_title(
        f"1. One task finishing after {results['plan']['finish_after']:g} s, "
        f"poll interval {results['plan']['poll_interval']:g} s",
        fontsize=10,
    )


def _session_groups(axes: Any, waits: List[Dict[str, Any]]) -> None:
    """A line between the runs with lasting and expiring sessions, and the name of each run above it."""
    for sessions in ("lasting", "expiring"):
        group = [x for x, item in enumerate(waits) if item["sessions"] == sessions]
        if not group:
            continue
        lifetime = waits[group[0]]["session_lifetime"]
        name = (
            "sessions last until the logout" if lifetime is None else f"sessions expire {lifetime:g} s after the login"
        )
        axes.text(
            (min(group) + max(group)) / 2,
            0.8,
            name,
            transform=axes.get_xaxis_transform(),
            ha="center",
            va="top",
            fontsize=8,
            style="italic",
        )
        if min(group) > 0:
            axes.axvline(min(group) - 0.5, color="grey", linewidth=1)


def scale_panel(axes: Any, results: Dict[str, Any], key: str, label: str, target: float) -> None:
    """Benchmark 2: one measure against the device count, log-log, per format; the target holds at the checkpoint."""
    for body_format, colour in FORMAT_COLOURS.items():
        items = [item for item in results["task_scale"] if item["body_format"] == body_format]
        devices = [item["devices"] for item in items]
        values = [item[key] for item in items]
        axes.plot(devices, values, marker="o", color=colour, label=body_format.upper())
        for x, y in zip(devices, values):
            axes.annotate(f"{y:.3g}", (x, y), textcoords="offset points", xytext=(4, -10), fontsize=7, color=colour)
    checkpoint = results["growth"]["xml"]["from"]
    axes.axhline(target, label=f"target at {checkpoint:,} devices", **TARGET_STYLE)
    axes.axvline(checkpoint, color="grey", linestyle=":", linewidth=1)
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xticks(sorted({item["devices"] for item in results["task_scale"]}))
    axes.yaxis.set_major_locator(ticker.LogLocator(subs=(1.0, 2.0, 5.0)))
    plain_ticks(axes)
    axes.margins(x=0.12)
    axes.set_xlabel("devices in the task")
    axes.set_ylabel(label)
    axes.legend(fontsize=7, loc="upper left")
    axes.grid(True, which="major", alpha=0.3)
    axes.set_title(f"2. Decode + normalise one task: {label}", fontsize=10)


def rounds_panel(axes: Any, results: Dict[str, Any]) -> None:
    """Benchmarks 3 and 4: one poll round (of a wait, of the event source) against the number of tasks."""
    items = results["many_tasks"]
    tasks = [item["tasks"] for item in items]
    latency = items[0]["latency_ms"]
    # the source also reads the pending list, so its line lies above: its labels go above, the wait's below
    series_styles = (
        ("many_tasks", "tab:purple", "a wait (route_update_info)", -14),
        ("event_source", "tab:green", "the event source", 8),
    )
    for key, colour, label, offset in series_styles:
        series = results[key]
        seconds = [item["round_seconds"] for item in series]
        axes.plot(
            [item["tasks"] for item in series],
            seconds,
            marker="o",
            color=colour,
            label=f"{label}, every answer {latency} ms late",
        )
        for y, item in zip(seconds, series):
            axes.annotate(
                f"{y:.2f} s, {item['requests_per_round']:g} GET",
                (item["tasks"], y),
                textcoords="offset points",
                xytext=(-20, offset),
                fontsize=7,
            )
    axes.axhline(1.5, label=f"target for {tasks[-1]} tasks", **TARGET_STYLE)
    axes.set_ylim(0, 1.8)
    axes.set_xscale("log")
    axes.set_xticks(tasks)
    plain_ticks(axes)
    axes.margins(x=0.12)
    axes.set_xlabel("tasks (in one wait, or pending)")
    axes.set_ylabel("seconds per poll round")
    axes.legend(fontsize=7, loc="center right")
    axes.grid(True, alpha=0.3)
    axes.set_title("3. and 4. Many tasks: one poll round", fontsize=10)


def draw(results: Dict[str, Any], png: Path) -> None:
    figure = plt.figure(figsize=(15, 9.5))
    grid = figure.add_gridspec(2, 3)
    wait_panel(figure.add_subplot(grid[0, :]), results)
    scale_panel(figure.add_subplot(grid[1, 0]), results, "seconds", "seconds", 0.5)
    scale_panel(figure.add_subplot(grid[1, 1]), results, "peak_rss_mb", "peak memory (process), MiB", 150)
    rounds_panel(figure.add_subplot(grid[1, 2]), results)
    facts = results["machine"]
    figure.suptitle(
        f"ocsdm.route_manager benchmarks ({results['run']['mode']} run, {results['run']['date']}): "
        f"{facts['cpu']}, {facts['cores']} cores, Python {facts['python']}, ansible-core {facts['ansible_core']}",
        fontsize=10,
    )
    figure.tight_layout()
    figure.savefig(png, dpi=100)
    plt.close(figure)


def main(argv: List[str]) -> int:
    if len(argv) != 2:
        print((__doc__ or "").strip().splitlines()[-1], file=sys.stderr)
        return 2
    draw(json.loads(Path(argv[0]).read_text(encoding="utf-8")), Path(argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
