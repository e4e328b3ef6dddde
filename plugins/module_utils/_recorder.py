# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The recorder of one client run (``record_dir``): the folder, its marker and placeholder key, the names and the
writing of the files, the bounds, and the warnings. `_recording.attach_recorder` makes it, only when recording is on.

Writing never fails the run: a problem becomes one warning, and the run goes on without (that part of) the recording.
A last check of each finished file refuses to write it when a secret could still be found in it.
"""

from __future__ import annotations

import binascii
import os
import secrets
import threading
from typing import Any, Callable, Optional, Set
from urllib.parse import urlsplit

from . import _recording_format as recording_format
from ._errors import SdmError
from ._recording_adapter import Exchange
from ._recording_document import MIN_SECRET_LENGTH, DocumentMaker
from ._safe_files import NOFOLLOW, FileRefused, check_private, read_bounded
from ._secrets import SecretFilter

# Bounds: exchanges one run writes, and files a folder may hold before runs stop adding to it.
MAX_FILES_PER_RUN = 1000
MAX_FILES_PER_FOLDER = 20000
# A shorter password cannot be told apart from ordinary text: nothing is recorded then.
MIN_PASSWORD_LENGTH = 4


class Recorder:
    """Writes each exchange of one client run to ``config.record_dir``; thread-safe, never raises into the client."""

    def __init__(self, config: Any, scrub: Callable[[str], str], warn: Callable[[str], None]) -> None:
        self.folder = os.path.abspath(os.path.expanduser(config.record_dir))
        # the most of a body the copy keeps: the client's own bound (more is not written anyway)
        self.keep = config.max_body_bytes
        self.placeholders = bool(getattr(config, 'record_placeholders', False))
        self.secrets = SecretFilter(min_length=MIN_SECRET_LENGTH)
        self.secrets.add(config.password)
        self.documents = DocumentMaker(
            self.secrets, scrub, config.max_body_bytes, config.base_path, urlsplit(config.url).hostname or ''
        )
        self.written = 0
        self._warn = warn
        self._warned: Set[str] = set()
        self._lock = threading.Lock()
        self._run = secrets.token_hex(3)
        self._started: Optional[float] = None
        # Where this run's times start, in seconds from the folder's start, and the monotonic time they count from.
        self._base = 0.0
        self._origin: Optional[float] = None
        self._stopped: Optional[str] = None
        self._latest = -1  # the highest leading number of a file name in the folder when the run started
        self._claimed = 0
        if not isinstance(config.password, str) or len(config.password) < MIN_PASSWORD_LENGTH:
            self._stop(
                'the password is shorter than %d characters, too short to be removed from the recording safely'
                % MIN_PASSWORD_LENGTH
            )

    # what the adapter asks ----------------------------------------------------------------------------

    def following(self) -> bool:
        """Whether to follow the next answer (not once the run stopped recording)."""
        return not self._stopped

    def cannot_follow(self, exc: BaseException) -> None:
        self._stop('cannot follow the answer: %s' % self._reason(exc))

    def record(self, exchange: Exchange) -> None:
        """Write one exchange (the adapter calls it once, when the client closes the answer); a problem becomes a warning."""
        if self._stopped:
            return
        try:
            sequence = self._claim(exchange)
            if sequence is None:
                return
            document = self.documents.document(exchange, self._run, sequence, self._elapsed(exchange))
            text = recording_format.exchange_text(document)
            if self.secrets.leaks(text):
                self._warn_once(
                    'an exchange (%s %s) was not recorded: a secret could not be removed from it'
                    % (document['request']['method'], document['request']['path'])
                )
                return
            request = document['request']
            self._write(
                recording_format.file_name(
                    document['elapsed'], self._run, sequence, request['method'], request['path']
                ),
                text,
            )
        except Exception as exc:  # pylint: disable=broad-exception-caught  # recording must never fail the run
            self._stop('cannot write the recording to %s: %s' % (self.folder, self._reason(exc)))

    # files --------------------------------------------------------------------------------------------

    def _elapsed(self, exchange: Exchange) -> float:
        """Seconds from the folder's start to the request: this run's start, then its monotonic clock."""
        origin = exchange.sent_monotonic if self._origin is None else self._origin
        return self._base + max(0.0, exchange.sent_monotonic - origin)

    def _claim(self, exchange: Exchange) -> Optional[int]:
        """The sequence number of the next file, or None when this run records no more."""
        with self._lock:
            if self._stopped:
                return None
            if self._started is None:
                self._prepare_folder(exchange.sent)
                # After every file already there, even if the wall clock went back since: names keep their order.
                self._base = max(exchange.sent - (self._started or exchange.sent), self._latest / 1000.0 + 0.001, 0.0)
                self._origin = exchange.sent_monotonic
            if self._claimed >= MAX_FILES_PER_RUN:
                self._stop(
                    'this run reached the limit of %d recorded exchanges; the rest is not recorded' % MAX_FILES_PER_RUN
                )
                return None
            self._claimed += 1
            return self._claimed

    def _prepare_folder(self, first_sent: float) -> None:
        """The folder, its marker (which a first run writes with the time of its first request) and the placeholder key."""
        if not os.path.isdir(self.folder):
            os.makedirs(self.folder, mode=0o700)
        names = os.listdir(self.folder)
        self._latest = recording_format.latest_number(names)
        if sum(1 for name in names if name.endswith('.json')) >= MAX_FILES_PER_FOLDER:
            raise _Full(
                'the folder holds %d or more files already; use a new folder for each change window'
                % MAX_FILES_PER_FOLDER
            )
        marker = self._created_once(recording_format.MARKER, lambda: recording_format.marker_text(first_sent))
        try:
            started = recording_format.marker_started(marker)
        except recording_format.FormatError as exc:
            raise _Full(str(exc)) from None
        if self.placeholders:
            key = self._created_once(recording_format.PLACEHOLDER_KEY, _new_key, private=True)
            self.documents.key = binascii.unhexlify(key.strip())
        self._started = started

    def _created_once(self, name: str, content: Callable[[], str], private: bool = False) -> str:
        """The text of a file of the folder, written first by whichever run comes first.

        An existing one is read without following a link and without waiting on a FIFO, only when it is a regular
        file of at most `MAX_READ_BYTES`; with ``private`` (the placeholder key) only when it is this user's, readable
        by nobody else, with one link and a key's text: a key planted by someone else would make placeholders
        reversible for them, so the run records nothing rather than use it.
        """
        path = os.path.join(self.folder, name)
        try:
            handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | NOFOLLOW, 0o600)
        except FileExistsError:
            text, info = read_bounded(path, name)
            if private:
                check_private(name, text, info)
            return text
        text = content()
        with os.fdopen(handle, 'w', encoding='utf-8') as created:
            created.write(text)
        return text

    def _write(self, name: str, text: str) -> None:
        """Whole or not at all (rename), readable by the owner only."""
        partial = os.path.join(self.folder, '.%s.partial' % name)
        # a new file, never one a link points to (the name holds the run's random id)
        handle = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | NOFOLLOW, 0o600)
        with os.fdopen(handle, 'w', encoding='utf-8') as out:
            out.write(text)
        os.replace(partial, os.path.join(self.folder, name))
        with self._lock:
            self.written += 1

    # warnings -----------------------------------------------------------------------------------------

    def _stop(self, why: str) -> None:
        self._stopped = why
        self._warn_once('record_dir: %s; the run goes on without recording' % why)

    def _warn_once(self, message: str) -> None:
        if message not in self._warned:
            self._warned.add(message)
            self._warn(message)

    def _reason(self, exc: BaseException) -> str:
        if isinstance(exc, (_Full, FileRefused, SdmError)):
            return str(exc)
        if isinstance(exc, OSError) and exc.strerror:
            return exc.strerror
        return self.secrets.clean('%s: %s' % (type(exc).__name__, exc))[:200]


class _Full(Exception):
    """The folder cannot take this run's recording."""


def _new_key() -> str:
    return secrets.token_hex(32) + '\n'
