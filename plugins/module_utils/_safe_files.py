# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Reading a file that someone else may have planted: no link followed, no FIFO waited on, size bounded.

The recorder (``record_dir``) reads files of a folder that earlier runs wrote: its marker and its placeholder key.
Whoever can write to that folder could put a link to a FIFO there (a plain ``open()`` would hang the run with its
SDM session open) or a key of their own (which would make the placeholders reversible for them).
"""

from __future__ import annotations

import os
import re
import stat
from typing import Tuple

# The most a file read here may hold.
MAX_READ_BYTES = 64 * 1024
# A placeholder key: 32 random bytes in hex.
_KEY_TEXT = re.compile(r'^[0-9a-f]{64}$')


class FileRefused(Exception):
    """A file that is not read: a link, not a regular file, too large, or not private; the message says which."""


NOFOLLOW = getattr(os, 'O_NOFOLLOW', 0) | getattr(os, 'O_CLOEXEC', 0)


def read_bounded(path: str, name: str) -> Tuple[str, os.stat_result]:
    """The text of a regular file read without following a link, never blocking on a FIFO, at most `MAX_READ_BYTES`."""
    try:
        handle = os.open(path, os.O_RDONLY | NOFOLLOW | getattr(os, 'O_NONBLOCK', 0))
    except OSError as exc:
        if os.path.islink(path):
            raise FileRefused('%s is a symbolic link; the recording follows no link' % name) from None
        raise FileRefused('cannot read %s: %s' % (name, exc.strerror or type(exc).__name__)) from None
    try:
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode):
            raise FileRefused('%s is not a regular file' % name)
        if info.st_size > MAX_READ_BYTES:
            raise FileRefused('%s is larger than %d bytes' % (name, MAX_READ_BYTES))
        data = b''
        while len(data) <= MAX_READ_BYTES:
            chunk = os.read(handle, MAX_READ_BYTES + 1 - len(data))
            if not chunk:
                break
            data += chunk
        if len(data) > MAX_READ_BYTES:
            raise FileRefused('%s is larger than %d bytes' % (name, MAX_READ_BYTES))
    finally:
        os.close(handle)
    try:
        return data.decode('utf-8'), info
    except UnicodeDecodeError:
        raise FileRefused('%s is not UTF-8 text' % name) from None


def check_private(name: str, text: str, info: os.stat_result) -> None:
    """Refuses a key file that another user could have planted or can read, or that holds no key."""
    owner = getattr(os, 'geteuid', None)
    if owner is not None and info.st_uid != owner():
        raise FileRefused('%s belongs to another user; placeholders made with it would not be private' % name)
    if stat.S_IMODE(info.st_mode) & 0o077 or info.st_nlink != 1:
        raise FileRefused(
            '%s can be read or linked by others (mode %04o, %d links); placeholders made with it would not be private'
            % (name, stat.S_IMODE(info.st_mode), info.st_nlink)
        )
    if not _KEY_TEXT.match(text.strip()):
        raise FileRefused('%s does not hold a placeholder key' % name)
