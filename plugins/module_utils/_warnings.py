# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The warnings of a run, for the module result or the event source's log."""

from __future__ import annotations

import threading


class Warnings(list):
    """Warnings in the order they came, each text once; pollers may add the same one from several threads."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()

    def add(self, *messages: str) -> None:
        with self._lock:
            for message in messages:
                if message not in self:
                    self.append(message)
