# Copyright (c) ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Reading a recording of the collection's client (the option ``record_dir``): one JSON file per HTTP exchange.

Each file holds the request (method, path, the headers that matter, the body without secrets), the answer
(status, content type, headers, body, a note when the body is missing or cut short) and ``elapsed``, the seconds
from the recording's first request to this one. The files of one folder form one timeline, in the order of
``elapsed`` (then run and sequence). ``recording.json`` describes the folder; hidden files are not exchanges.
The format is the collection's own (plugins/module_utils/_recording_format.py), which the client's recorder writes.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Dict, Optional, Tuple

from ._fields import ScenarioError


def _load_recording_format() -> ModuleType:
    """The collection's definition of the recording format, plugins/module_utils/_recording_format.py.

    Loaded by its path, the one place the simulator reaches into the collection: the simulator runs on its own
    (``python -m sdm_simulator`` from tests/simulator), without the ``ansible_collections`` package on its path.
    The file is pure standard library and imports nothing of the collection.
    """
    name = "ocsdm_route_manager_recording_format"
    if name not in sys.modules:
        path = Path(__file__).resolve().parents[3] / "plugins" / "module_utils" / "_recording_format.py"
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load the recording format from {path}")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules[name] = module
    return sys.modules[name]


recording_format = _load_recording_format()
FORMAT: str = recording_format.FORMAT
MARKER: str = recording_format.MARKER
# A folder of more is not a recording of one change window (the client writes at most 20,000).
MAX_FILES = 50_000
_ACTION_TYPE = re.compile(r'<type>\s*([A-Za-z]+)\s*</type>|"type"\s*:\s*"([A-Za-z]+)"')


class RecordingError(ScenarioError):
    """A folder or file that is not a usable recording; the message names it."""


@dataclass(frozen=True)
class Exchange:
    """One recorded request and its answer."""

    name: str
    run: str
    sequence: int
    elapsed: float
    method: str
    path: str  # as sent, percent-encoded, possibly behind a proxy prefix
    request_body: Optional[str]
    status: int
    content_type: Optional[str]
    headers: Dict[str, Any] = field(default_factory=dict)
    body: Optional[bytes] = None  # None: not written (larger than the client's limit)
    body_note: Optional[str] = None

    @property
    def api_path(self) -> str:
        """The path from ``/rest/`` on: the same whatever prefix a proxy added in front."""
        return api_path(self.path)

    @property
    def version(self) -> Optional[str]:
        segments = route_segments(self.path)
        return segments[0] if segments else None

    @property
    def route(self) -> Tuple[str, ...]:
        """The decoded path segments after ``/rest/{version}``: ``("routeSets", "routeUpdates", "ID33")``."""
        return route_segments(self.path)[1:]

    @property
    def task_id(self) -> Optional[str]:
        return task_of(self.route)

    @property
    def is_session(self) -> bool:
        return self.route in (("admin", "login"), ("admin", "logout"))

    @property
    def is_action(self) -> bool:
        return self.method == "POST" and len(self.route) == 4 and self.route[3] == "action"

    @property
    def action_type(self) -> Optional[str]:
        return action_type(self.request_body)

    def header(self, name: str) -> Optional[str]:
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value if isinstance(value, str) else None
        return None


@dataclass(frozen=True)
class Recording:
    folder: Path
    exchanges: Tuple[Exchange, ...]

    @property
    def name(self) -> str:
        return self.folder.name

    @property
    def api_versions(self) -> Tuple[str, ...]:
        return tuple(sorted({exchange.version for exchange in self.exchanges if exchange.version}))

    def first(self, route: Tuple[str, ...], statuses: Tuple[int, int] = (200, 299)) -> Optional[Exchange]:
        """The first exchange on ``route`` whose status is in the range."""
        return next(
            (
                exchange
                for exchange in self.exchanges
                if exchange.route == route and statuses[0] <= exchange.status <= statuses[1]
            ),
            None,
        )


api_path = recording_format.api_path
route_segments = recording_format.route_segments


def task_of(route: Tuple[str, ...]) -> Optional[str]:
    if len(route) >= 3 and route[:2] == ("routeSets", "routeUpdates") and route[2]:
        return route[2]
    return None


def action_type(body: Optional[str]) -> Optional[str]:
    """``Commit``, ``Rollback`` or ``Cancel`` from an action body (XML or JSON), None when there is none."""
    match = _ACTION_TYPE.search(body or "")
    return (match.group(1) or match.group(2)) if match else None


def load_recording(folder: str) -> Recording:
    """Every exchange file of ``folder``, in the order of the timeline."""
    path = Path(folder)
    if not path.is_dir():
        raise RecordingError(f"{folder}: not a folder (give the record_dir of the run)")
    names = sorted(item.name for item in path.iterdir() if recording_format.is_exchange_name(item.name))
    if len(names) > MAX_FILES:
        raise RecordingError(
            f"{folder}: {len(names)} files, more than {MAX_FILES}: not the recording of one change window"
        )
    exchanges = [_exchange(path / name) for name in names]
    if not exchanges:
        raise RecordingError(
            f"{folder}: no recorded exchange in it (files named like 000001234-a1b2c3-0001-GET-....json)"
        )
    exchanges.sort(key=lambda exchange: (exchange.elapsed, exchange.run, exchange.sequence))
    return Recording(path, tuple(exchanges))


def _exchange(path: Path) -> Exchange:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise RecordingError(f"{path.name}: cannot read it as JSON: {exc}") from None
    try:
        return Exchange(name=path.name, **recording_format.exchange_fields(data))
    except recording_format.FormatError as exc:
        raise RecordingError(f"{path.name}: {exc}") from None
