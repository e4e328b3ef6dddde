# Copyright (c) ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Typed, path-aware reading of scenario mappings.

Scenarios are written by hand, so every error names the exact field (``tasks[1].devices[0].outcome``)
and unknown keys are refused: a typo must not silently turn into a default.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Sequence, Set


class ScenarioError(ValueError):
    """A scenario, fault or control request that cannot be used; the message names the field."""


_REQUIRED = object()


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    return {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a mapping",
    }.get(type(value), type(value).__name__)


def _from_text(value: Any, kind: Callable[[str], Any]) -> Any:
    """Numbers written as text, as Ansible templating produces them ("{{ speed }}" -> "10"), read as numbers."""
    if isinstance(value, str):
        try:
            return kind(value.strip())
        except ValueError:
            return value
    return value


ANSWER_DEPTH = 4  # nesting of an answer_fields value


def _check_answer_value(value: Any, where: str, depth: int) -> None:
    if value is None or (isinstance(value, (str, int, float)) and not isinstance(value, bool)):
        return
    if depth <= 0 or not isinstance(value, (dict, list)):
        problem = (
            "nests too deep" if depth <= 0 else f"expected text, a mapping, a list or null, got {type_name(value)}"
        )
        raise ScenarioError(f"{where}: {problem}")
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for name, item in items:
        _check_answer_value(item, f"{where}.{name}", depth - 1)


class Fields:
    """One mapping of a scenario, read key by key; ``finish()`` refuses the keys nobody read."""

    def __init__(self, data: Any, where: str) -> None:
        if not isinstance(data, dict):
            raise ScenarioError(f"{where or 'scenario'}: expected a mapping, got {type_name(data)}")
        self._data: Dict[str, Any] = data
        self._where = where
        self._read: Set[str] = set()

    def path(self, key: str) -> str:
        return f"{self._where}.{key}" if self._where else key

    def has(self, key: str) -> bool:
        return self._data.get(key) is not None

    def _get(self, key: str, default: Any) -> Any:
        self._read.add(key)
        value = self._data.get(key)
        if value is None:
            if default is _REQUIRED:
                raise ScenarioError(f"{self.path(key)}: is required")
            return default
        return value

    def raw(self, key: str) -> Any:
        """The value as written (None when absent), for keys that take more than one type."""
        self._read.add(key)
        return self._data.get(key)

    def text(self, key: str, default: Any = _REQUIRED) -> str:
        """A string; integers and numbers are accepted and turned into their text (ids like 2)."""
        value = self._get(key, default)
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise ScenarioError(f"{self.path(key)}: expected a string, got {type_name(value)}")
        return str(value)

    def optional_text(self, key: str) -> Optional[str]:
        return None if self.raw(key) is None else self.text(key)

    def number(self, key: str, default: Any = _REQUIRED, minimum: float = 0.0) -> float:
        value = _from_text(self._get(key, default), float)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ScenarioError(f"{self.path(key)}: expected a number, got {type_name(value)}")
        if value < minimum:
            raise ScenarioError(f"{self.path(key)}: must be at least {minimum}, got {value}")
        return float(value)

    def optional_number(self, key: str, minimum: float = 0.0) -> Optional[float]:
        return None if self.raw(key) is None else self.number(key, minimum=minimum)

    def integer(self, key: str, default: Any = _REQUIRED, minimum: int = 0, maximum: Optional[int] = None) -> int:
        value = _from_text(self._get(key, default), int)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ScenarioError(f"{self.path(key)}: expected an integer, got {type_name(value)}")
        if value < minimum or (maximum is not None and value > maximum):
            bounds = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
            raise ScenarioError(f"{self.path(key)}: must be {bounds}, got {value}")
        return value

    def optional_integer(self, key: str, minimum: int = 0) -> Optional[int]:
        return None if self.raw(key) is None else self.integer(key, minimum=minimum)

    def boolean(self, key: str, default: bool) -> bool:
        value = self._get(key, default)
        if isinstance(value, str) and value.lower() in ("true", "false"):
            value = value.lower() == "true"
        if not isinstance(value, bool):
            raise ScenarioError(f"{self.path(key)}: expected true or false, got {type_name(value)}")
        return value

    def choice(self, key: str, choices: Sequence[str], default: Any = _REQUIRED) -> str:
        value = self.text(key, default)
        if value not in choices:
            raise ScenarioError(f"{self.path(key)}: expected one of {', '.join(choices)}; got {value!r}")
        return value

    def string_map(self, key: str) -> Dict[str, str]:
        value = self._get(key, {})
        if not isinstance(value, dict):
            raise ScenarioError(f"{self.path(key)}: expected a mapping, got {type_name(value)}")
        result = {}
        for name, item in value.items():
            if isinstance(item, bool) or not isinstance(item, (str, int, float)):
                raise ScenarioError(f"{self.path(key)}.{name}: expected a string, got {type_name(item)}")
            result[str(name)] = str(item)
        return result

    def answer_map(self, key: str) -> Dict[str, Any]:
        """Fields written into the answer as they are: text, a mapping, a list, or null (the field left out)."""
        value = self._get(key, {})
        if not isinstance(value, dict):
            raise ScenarioError(f"{self.path(key)}: expected a mapping, got {type_name(value)}")
        for name, item in value.items():
            _check_answer_value(item, f"{self.path(key)}.{name}", ANSWER_DEPTH)
        return {str(name): item for name, item in value.items()}

    def text_list(self, key: str, default: Any = _REQUIRED) -> List[str]:
        value = self._get(key, default)
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ScenarioError(f"{self.path(key)}: expected a list of strings, got {type_name(value)}")
        return list(value)

    def section(self, key: str) -> "Fields":
        """A nested mapping (an absent one reads as empty, so its keys take their defaults)."""
        return Fields(self._get(key, {}), self.path(key))

    def sections(self, key: str, default: Any = _REQUIRED) -> List["Fields"]:
        value = self._get(key, default)
        if not isinstance(value, list):
            raise ScenarioError(f"{self.path(key)}: expected a list, got {type_name(value)}")
        return [Fields(item, f"{self.path(key)}[{index}]") for index, item in enumerate(value)]

    def finish(self) -> None:
        unknown = sorted(str(key) for key in self._data if key not in self._read)
        if unknown:
            known = ", ".join(sorted(self._read))
            raise ScenarioError(
                f"{self._where or 'scenario'}: unknown key(s) {', '.join(unknown)}; known keys: {known}"
            )
