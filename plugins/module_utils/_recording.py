# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Recording what SDM answered (``record_dir``): one JSON file per HTTP exchange, without secrets, for bug reports
and replays. Off unless ``record_dir`` is set; the client calls `attach_recorder` once per session.

Where each part lives:

- `_recording_format`: the format, defined once (names, the marker, an exchange's fields, written and read); the
  simulator's replay (``python -m sdm_simulator --replay DIR``) and the tests read and write it with the same module.
- `_recording_adapter`: the transport adapter mounted around the session's own; the client reads each body as it
  would without it (its limits and watchdog still apply), a copy of what it read stays, up to its own bound.
- `_recording_document`: an exchange as written: no password, session id or cookie value in any form; SDM's
  documents read with the decoder; placeholders (`_placeholder_ids`) for host names and device ids when asked for.
- `_recorder`: the run's recorder: folder, marker, placeholder key, file names, bounds, warnings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Optional

if TYPE_CHECKING:
    from ._recorder import Recorder


def attach_recorder(
    session: Any, config: Any, scrub: Callable[[str], str], warn: Callable[[str], None]
) -> Optional[Recorder]:
    """Record the exchanges of ``session`` when ``config.record_dir`` is set; returns the recorder, or None (off).

    Call it once the session's transport adapters are mounted: the recorder's adapter goes around each of them.
    Recording must never fail the run: a recorder that cannot be made is one warning.
    """
    if not getattr(config, 'record_dir', None):
        return None
    try:
        # Imported only when recording is on: a run without record_dir loads none of it.
        from ._recorder import Recorder
        from ._recording_adapter import mount_around

        recorder = Recorder(config, scrub, warn)
        mount_around(session, recorder)
    except Exception as exc:  # pylint: disable=broad-exception-caught  # recording must never fail the run
        warn('record_dir: cannot record (%s); the run goes on without recording' % type(exc).__name__)
        return None
    return recorder
