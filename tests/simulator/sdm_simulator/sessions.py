# Copyright (c) ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Server-side sessions: opened by login, closed by logout, expired or dropped by the scenario."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Dict, Optional

from .scenario import SessionPolicy, User


@dataclass
class Session:
    session_id: str = field(repr=False)
    user: User
    opened_at: float
    requests: int = 0


@dataclass
class SessionStats:
    expired: int = 0
    dropped: int = 0
    max_open: int = 0


class SessionStore:
    def __init__(self, policy: SessionPolicy) -> None:
        self.policy = policy
        self.stats = SessionStats()
        self._sessions: Dict[str, Session] = {}

    def open(self, user: User, now: float) -> Session:
        # Tomcat-style id with a route suffix, as SDM sends it
        session = Session(secrets.token_hex(16).upper() + ".tomcat1", user, now)
        self._sessions[session.session_id] = session
        self.stats.max_open = max(self.stats.max_open, self.open_count(now))
        return session

    def use(self, session_id: Optional[str], now: float) -> Optional[Session]:
        """The live session for a request (counted towards its request budget), or None: answer 401."""
        session = self.find(session_id, now)
        if session is not None:
            session.requests += 1
        return session

    def find(self, session_id: Optional[str], now: float) -> Optional[Session]:
        self._expire(now)
        return self._sessions.get(session_id) if session_id else None

    def add_id(self, session_id: str, new_id: str) -> bool:
        """Let the live session ``session_id`` answer to ``new_id`` too (a server that rotates session ids)."""
        session = self._sessions.get(session_id)
        if session is not None:
            self._sessions[new_id] = session
        return session is not None

    def close(self, session_id: str) -> None:
        self._sessions.pop(session_id, None)

    def drop_all(self) -> int:
        dropped = len(self._sessions)
        self._sessions.clear()
        self.stats.dropped += dropped
        return dropped

    def open_count(self, now: float) -> int:
        self._expire(now)
        return len(self._sessions)

    def _expire(self, now: float) -> None:
        expired = [key for key, session in self._sessions.items() if self._is_expired(session, now)]
        for key in expired:
            del self._sessions[key]
        self.stats.expired += len(expired)

    def _is_expired(self, session: Session, now: float) -> bool:
        by_time = self.policy.expire_after_seconds
        by_requests = self.policy.expire_after_requests
        if by_time is not None and now - session.opened_at >= by_time:
            return True
        return by_requests is not None and session.requests >= by_requests
