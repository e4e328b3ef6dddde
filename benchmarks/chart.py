# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Draw results.json as one PNG: five panels (benchmark 1 across the top), each target as a dashed line.

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


def latency_panel(axes: Any, results: Dict[str, Any]) -> None:
    """Benchmark 1's phase runs: each way's mean detection latency as to the next poll + moving on, every run as a
    dot, the worst marked; the growing interval's one run beside them; the latency target as a line."""
    plan = results["plan"]
    summaries: List[Dict[str, Any]] = results["wait_one_latency"]
    growing = [item for item in results["wait_one"] if item["series"] == "lasting"]
    labels = [item["label"] for item in summaries]
    labels += [f"{item['label']}\n(one run, finish at {plan['finish_after']:g} s)" for item in growing]
    to_poll = [item["wait_for_poll_mean"] or 0 for item in summaries] + [item["wait_for_poll"] or 0 for item in growing]
    moving_on = [item["moving_on_mean"] or 0 for item in summaries] + [item["moving_on"] or 0 for item in growing]
    positions = list(range(len(labels)))
    axes.bar(positions, to_poll, 0.5, color="tab:green", alpha=0.6, label="to the next poll (mean)")
    bars = axes.bar(positions, moving_on, 0.5, bottom=to_poll, color="tab:olive", label="moving on (mean)")
    axes.bar_label(
        bars,
        labels=[f"{wait + move:.2f} s\nmoving on {move:.3f} s" for wait, move in zip(to_poll, moving_on)],
        fontsize=7,
    )
    for x, item in enumerate(summaries):
        _runs_and_worst(axes, x, item, results["wait_one"])
    limit = plan["poll_interval"] + 0.5
    axes.axhline(limit, label=f"target for the worst run: {limit:g} s", **TARGET_STYLE)
    axes.set_xticks(positions, [label.replace(", ", "\n", 1) for label in labels], fontsize=8)
    axes.set_ylabel("detection latency, s")
    worst = [item["latency_worst"] or 0 for item in summaries]
    axes.set_ylim(0, max([limit, *worst, *[wait + move for wait, move in zip(to_poll, moving_on)]]) * 1.35)
    axes.legend(fontsize=7, loc="upper left", ncol=3)
    axes.set_title(
        f"1. Detection latency: each way {plan['latency_runs']} runs, the finish at a random phase of the "
        f"{plan['poll_interval']:g} s poll (seed {plan['seed']})",
        fontsize=10,
    )


def _runs_and_worst(axes: Any, x: int, summary: Dict[str, Any], waits: List[Dict[str, Any]]) -> None:
    """Every phase run of one way as a dot beside its bar, and its worst run as a short red line across it."""
    latencies = [
        item["detection_latency"]
        for item in waits
        if item["series"] == "phases" and item["key"] == summary["key"] and item["detection_latency"] is not None
    ]
    first = x == 0  # one legend entry for all the ways
    axes.scatter(
        [x + 0.32] * len(latencies), latencies, s=10, color="black", zorder=3, label="each run" if first else None
    )
    if summary["latency_worst"] is not None:
        axes.hlines(
            summary["latency_worst"],
            x - 0.25,
            x + 0.25,
            color="tab:red",
            linewidth=1.5,
            label="worst run" if first else None,
        )


def requests_panel(axes: Any, results: Dict[str, Any]) -> None:
    """Benchmark 1's runs with sessions expiring during the wait: the HTTP requests of each way and their target."""
    waits = [item for item in results["wait_one"] if item["series"] == "expiring"]
    positions = list(range(len(waits)))
    failed = [not item["succeeded"] for item in waits]
    bars = axes.bar(
        positions,
        [item["requests"] for item in waits],
        0.5,
        color=["lightgrey" if fail else "tab:blue" for fail in failed],
        hatch=["//" if fail else "" for fail in failed],
    )
    axes.bar_label(bars, fontsize=8)
    # the limit as targets.py computed it (half of the baseline's requests per poll, at the role's polls)
    limit = next((item["limit_value"] for item in results["targets"] if item.get("limit_value") is not None), None)
    if limit is not None:
        axes.axhline(
            limit, label="target: half of the uri loop with\na session per poll, at the same interval", **TARGET_STYLE
        )
    names = [", ".join(item["label"].split(", ")[:2]).replace(", ", "\n") for item in waits]
    axes.set_xticks(positions, [name + ("\n(failed)" if fail else "") for name, fail in zip(names, failed)], fontsize=8)
    axes.set_ylabel("HTTP requests per wait")
    axes.set_ylim(0, max([item["requests"] for item in waits] + [limit or 0]) * 1.45)
    axes.legend(fontsize=7, loc="upper left")
    lifetime = waits[0]["session_lifetime"] if waits else 0
    axes.set_title(f"1. Requests per wait, sessions expiring {lifetime:g} s after the login", fontsize=10)


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
    latency_panel(figure.add_subplot(grid[0, :2]), results)
    requests_panel(figure.add_subplot(grid[0, 2]), results)
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
