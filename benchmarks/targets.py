# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The targets of issue 6 (and of issue 14, the event source), checked against the measured figures."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Dict, List, Optional

from event_source import SourceRoundFigures
from many_tasks import RoundFigures
from task_scale import ScaleFigures, growth
from wait_one import WaitFigures

LATENCY_SLACK = 0.5
REQUEST_SHARE = 0.5
SCALE_SECONDS = 0.5
SCALE_MB = 150.0
# "linear": per device, the largest task costs at most this much more than the checkpoint (time and added memory)
LINEAR_SLACK = 1.3
ROUND_SECONDS = 1.5


@dataclass
class Target:
    name: str
    limit: str
    measured: str
    passed: bool
    limit_value: Optional[float] = (
        None  # the limit as a number, for the one target the chart draws as a line (requests)
    )


def evaluate(
    waits: List[WaitFigures],
    poll_interval: float,
    scale: List[ScaleFigures],
    rounds: List[RoundFigures],
    source_rounds: List[SourceRoundFigures],
) -> List[Target]:
    """Every target; the scale targets at the middle size (10,000) and the largest (100,000) measured.

    Latency and sessions: the role with lasting sessions (with expiring ones, one login per wait cannot be). Requests:
    with expiring sessions, the role against the uri loop that survives them (a session per poll), the same job.
    """
    lasting = {item.key: item for item in waits if item.sessions == "lasting"}
    expiring = {item.key: item for item in waits if item.sessions == "expiring"}
    role = lasting["role"]
    sizes = sorted({item.devices for item in scale})
    checkpoint, largest = sizes[len(sizes) // 2], sizes[-1]
    return [
        _latency(role, poll_interval),
        _worst_latency(role, poll_interval),
        _requests(expiring["role"], expiring["uri_relogin"], poll_interval),
        _sessions(role),
        *[_scale(scale, body_format, checkpoint) for body_format in ("xml", "json")],
        *[_linear(scale, body_format, checkpoint, largest) for body_format in ("xml", "json")],
        _round(max(rounds, key=lambda entry: entry.tasks)),
        _source_round(max(source_rounds, key=lambda entry: entry.tasks)),
    ]


def _latency(role: WaitFigures, poll_interval: float) -> Target:
    limit = poll_interval + LATENCY_SLACK
    latency = role.detection_latency
    return Target(
        "detection latency (role), this run",
        f"<= {limit:g} s (poll interval + {LATENCY_SLACK:g} s)",
        "no finish seen" if latency is None else f"{latency:.2f} s",
        role.succeeded and latency is not None and latency <= limit,
    )


def _worst_latency(role: WaitFigures, poll_interval: float) -> Target:
    """The same bound for a finish just after a poll: a whole interval to the next poll, then the measured moving on."""
    limit = poll_interval + LATENCY_SLACK
    worst = None if role.moving_on is None else poll_interval + role.moving_on
    return Target(
        "detection latency (role), worst phase",
        f"<= {limit:g} s",
        "no finish seen"
        if worst is None
        else f"{worst:.2f} s = {poll_interval:g} s + {role.moving_on:.2f} s moving on",
        role.succeeded and worst is not None and worst <= limit,
    )


def _requests(role: WaitFigures, baseline: WaitFigures, poll_interval: float) -> Target:
    """Against the baseline that does the same job (the uri loop with a session per poll), at the same interval.

    The baseline cannot keep the interval: each of its polls runs three uri modules and a pause, so it
    polls less often than the role in the same wait. Its requests per poll, times the role's polls, is what
    it would send polling as often as the role. The role's polls leave out its 401 answers (a read refused
    for an expired session is read again in the same poll; a 401 on a logout makes the limit stricter still).
    """
    name = f"HTTP requests per wait (role), sessions expiring after {baseline.session_lifetime:g} s"
    if not baseline.succeeded or not baseline.polls:
        return Target(
            name,
            f"<= half of the uri loop with a session per poll ({poll_interval:g} s interval)",
            f"{role.requests}; the baseline failed: {baseline.reason}",
            False,
        )
    per_poll = baseline.requests / baseline.polls
    role_polls = role.polls - role.refused
    limit = REQUEST_SHARE * per_poll * role_polls
    return Target(
        name,
        f"<= {limit:g} (half of the uri loop with a session per poll, {per_poll:.1f} requests a poll, "
        f"at the role's {role_polls} polls of {poll_interval:g} s)",
        f"{role.requests}",
        role.succeeded and role.requests <= limit,
        limit_value=limit,
    )


def _sessions(role: WaitFigures) -> Target:
    return Target(
        "logins per wait, sessions left open (role)",
        "1 login, 0 open",
        f"{role.logins} login{'s' if role.logins != 1 else ''}, {role.sessions_open} open",
        role.succeeded and role.logins == 1 and role.sessions_open == 0,
    )


def _scale(scale: List[ScaleFigures], body_format: str, devices: int) -> Target:
    item = _find(scale, body_format, devices)
    return Target(
        f"{devices:,} devices, {body_format.upper()}: decode + normalise",
        f"<= {SCALE_SECONDS:g} s and <= {SCALE_MB:g} MiB peak",
        f"{item.seconds:.3f} s, {item.peak_rss_mb:.0f} MiB",
        item.seconds <= SCALE_SECONDS and item.peak_rss_mb <= SCALE_MB,
    )


def _linear(scale: List[ScaleFigures], body_format: str, checkpoint: int, largest: int) -> Target:
    ratios = growth(scale, body_format, checkpoint, largest)
    return Target(
        f"linear growth to {largest:,} devices, {body_format.upper()}",
        f"per device <= {LINEAR_SLACK:g}x the cost at {checkpoint:,} (time, added memory)",
        f"time x{ratios['time_per_device_ratio']:.2f}, memory x{ratios['memory_per_device_ratio']:.2f}",
        max(ratios["time_per_device_ratio"], ratios["memory_per_device_ratio"]) <= LINEAR_SLACK,
    )


def _round(item: RoundFigures) -> Target:
    return Target(
        f"one poll round over {item.tasks} tasks, {item.latency_ms} ms latency",
        f"<= {ROUND_SECONDS:g} s",
        f"{item.round_seconds:.2f} s",
        item.round_seconds <= ROUND_SECONDS,
    )


def _source_round(item: SourceRoundFigures) -> Target:
    """The event source's round costs what route_update_info's does, plus the pending list: the same budget (issue 14)."""
    return Target(
        f"one poll round of the event source over {item.tasks} pending tasks, {item.latency_ms} ms latency",
        f"<= {ROUND_SECONDS:g} s",
        f"{item.round_seconds:.2f} s",
        item.round_seconds <= ROUND_SECONDS,
    )


def _find(scale: List[ScaleFigures], body_format: str, devices: int) -> ScaleFigures:
    return next(item for item in scale if item.body_format == body_format and item.devices == devices)


def as_dicts(targets: List[Target]) -> List[Dict[str, Any]]:
    return [asdict(item) for item in targets]
