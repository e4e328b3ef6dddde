# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Recording the exchanges with SDM (record_dir): one file each, no secret in any form, bounded, never failing the run,
and replayed by the simulator with the same results. Against the SDM simulator over real HTTP."""

from __future__ import annotations

import base64
import html
import json
import os
import stat
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List
from urllib.parse import quote, quote_plus

import pytest

from ansible_collections.ocsdm.route_manager.plugins.module_utils import _recorder, _recording_adapter, _safe_files
from ansible_collections.ocsdm.route_manager.plugins.module_utils import _recording_format as recording_format
from ansible_collections.ocsdm.route_manager.plugins.module_utils._actions import ActionRunner, WaitSettings
from ansible_collections.ocsdm.route_manager.plugins.module_utils._client import SdmClient
from ansible_collections.ocsdm.route_manager.plugins.module_utils._errors import SdmBadAnswerError, SdmHttpError
from ansible_collections.ocsdm.route_manager.plugins.module_utils._recording_document import MIN_SECRET_LENGTH
from ansible_collections.ocsdm.route_manager.plugins.module_utils._secrets import REDACTED, SecretFilter
from ansible_collections.ocsdm.route_manager.plugins.module_utils._states import DEFAULT_SUCCESS_STATES, StateMatcher
from ansible_collections.ocsdm.route_manager.plugins.module_utils._poll_wait import PollWait
from ansible_collections.ocsdm.route_manager.tests.unit.plugins.module_utils.simulator_setup import (
    SimulatorHandle,
    client_config,
    sdm_simulator,
)

# Every character that an encoding changes: JSON, XML, URL, non-ASCII, beyond the BMP.
PASSWORD = 'Pä"ss<w>&\'rd/+ 1\\😀'
MATCHER = StateMatcher()
TASKS = '/rest/v1.3/routeSets/routeUpdates'
DEVICES = [{'object_id': 'ID34', 'device_group_id': 'ID11', 'at': 0}]


def scenario(**options: Any) -> Dict[str, Any]:
    data: Dict[str, Any] = {
        'name': 'recording-tests',
        'users': [{'username': 'admin', 'password': PASSWORD}],
        'tasks': [
            {'id': 'ID33', 'devices': DEVICES},
            {'id': 'ID40', 'devices': [{'object_id': 'ID41', 'device_group_id': 'ID12', 'outcome': 'never'}]},
        ],
    }
    data.update(options)
    return data


class Sim(SimulatorHandle):
    def client(self, folder: Any = None, **kwargs: Any) -> SdmClient:
        return SdmClient(
            self.config(password=kwargs.pop('password', PASSWORD), record_dir=str(folder) if folder else None, **kwargs)
        )


def encodings(secret: str) -> Dict[str, str]:
    """The forms a secret can take in a recorded text (those the recorder must remove)."""
    utf8 = secret.encode('utf-8')
    forms = {
        'plain': secret,
        'json': json.dumps(secret, ensure_ascii=False)[1:-1],
        'json ascii': json.dumps(secret)[1:-1],
        'json every character': ''.join(
            '\\u%04x' % ord(char) if ord(char) < 0x10000 else json.dumps(char)[1:-1] for char in secret
        ),
        'xml': html.escape(secret),
        'decimal references': ''.join('&#%d;' % ord(char) for char in secret),
        'hex references': ''.join('&#x%X;' % ord(char) for char in secret),
        'percent': quote(secret, safe=''),
        'percent lower case': ''.join('%%%02x' % byte for byte in utf8),
        'form': quote_plus(secret),
        'latin-1 read of the UTF-8': utf8.decode('latin-1'),
    }
    for shift in range(3):
        forms['base64 shifted %d' % shift] = base64.b64encode(b'x' * shift + utf8 + b'yz').decode('ascii')
    return forms


def secret_forms_in(text: str, secret: str) -> List[str]:
    """The names of the forms of ``secret`` found in ``text``; base64 is looked for as its unshifted core."""
    found = [name for name, form in encodings(secret).items() if not name.startswith('base64') and form in text]
    core = base64.b64encode(secret.encode('utf-8')).decode('ascii')[:-4]
    if len(core) >= 8 and core in text:
        found.append('base64')
    return found


def recorded(folder: Path) -> List[Dict[str, Any]]:
    return [json.loads(path.read_text(encoding='utf-8')) for path in sorted(folder.glob('0*.json'))]


def assert_no_secret(folder: Path, secrets: List[str]) -> None:
    """No form of any secret in any file of the folder, as written and as JSON reads it back."""
    assert secrets
    for path in folder.iterdir():
        if path.name == recording_format.PLACEHOLDER_KEY:
            continue
        raw = path.read_text(encoding='utf-8')
        texts = [raw] + list(_strings(json.loads(raw)))
        for secret in secrets:
            for text in texts:
                assert not secret_forms_in(text, secret), (path.name, secret_forms_in(text, secret))


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def session_ids(client: SdmClient) -> List[str]:
    values = [cookie.value for cookie in client._cookies_to_send()[1]]  # pylint: disable=protected-access
    return values + [value.rsplit('.', 1)[0] for value in values]


# --- the filter -------------------------------------------------------------------------------------------


@pytest.mark.parametrize('form', sorted(encodings(PASSWORD)))
def test_the_filter_removes_every_form_of_a_secret(form):
    secrets = SecretFilter(min_length=MIN_SECRET_LENGTH)
    secrets.add(PASSWORD)
    text = 'before %s after' % encodings(PASSWORD)[form]
    cleaned = secrets.clean(text)
    assert not secret_forms_in(cleaned, PASSWORD)
    assert cleaned.startswith('before ') and cleaned.endswith(' after') and REDACTED in cleaned
    assert not secrets.leaks(cleaned)


def test_the_filter_removes_mixed_forms_and_keeps_other_text():
    secrets = SecretFilter(min_length=MIN_SECRET_LENGTH)
    secrets.add('Ab"c<d')
    mixed = 'A\\u0062&quot;%63&lt;d'  # A, b as \u0062, " as &quot;, c as %63, < as &lt;, d
    assert secrets.clean('x=%s; y=Ab"c' % mixed) == 'x=%s; y=Ab"c' % REDACTED
    secrets.add('abc')  # too short to tell apart from ordinary text: ignored
    assert secrets.clean('abcdef') == 'abcdef'


# --- recording over real HTTP -----------------------------------------------------------------------------


def test_recording_is_off_by_default(sim, tmp_path):
    client = sim.client()
    with client:
        client.get_task('ID33', MATCHER)
    assert client.recorder is None
    assert client.transport.session.hooks['response'] == []  # pylint: disable=protected-access  # nothing in the exchange path
    assert client.config.record_dir is None and not list(tmp_path.iterdir())


@pytest.mark.parametrize('body_format', ['xml', 'json'])
def test_each_exchange_is_one_file_without_secrets(sim, tmp_path, body_format):
    folder = tmp_path / 'rec'
    client = sim.client(folder, body_format=body_format)
    with client:
        client.get_task('ID33', MATCHER)
        secrets = [PASSWORD] + session_ids(client)
    assert client.warnings == [] and client.recorder.written == 3
    login, read, logout = recorded(folder)
    assert [
        (item['request']['method'], item['request']['path'], item['answer']['status']) for item in (login, read, logout)
    ] == [
        ('POST', '/rest/v1.3/admin/login', 200),
        ('GET', TASKS + '/ID33', 200),
        ('POST', '/rest/v1.3/admin/logout', 204),
    ]
    assert REDACTED in login['request']['body'] and 'admin' in login['request']['body']
    assert login['answer']['headers']['Set-Cookie'] == ['JSESSIONID=%s; Path=/rest; HttpOnly' % REDACTED]
    assert read['request']['headers']['Cookie'] == 'JSESSIONID=%s' % REDACTED
    assert read['answer']['content_type'] == 'application/%s' % body_format and 'ID34' in read['answer']['body']
    assert read['answer']['body_note'] is None and read['answer']['body_bytes'] == len(
        read['answer']['body'].encode('utf-8')
    )
    assert 0 <= login['elapsed'] <= read['elapsed'] <= logout['elapsed']
    assert {item['run'] for item in (login, read, logout)} == {client.recorder._run}  # pylint: disable=protected-access
    assert_no_secret(folder, secrets)
    for path in folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert json.loads((folder / 'recording.json').read_text(encoding='utf-8'))['format'] == recording_format.FORMAT


def test_echoed_secrets_are_removed_in_every_form(sim, tmp_path):
    folder = tmp_path / 'rec'
    client = sim.client(folder)
    with client:
        session = session_ids(client)
        echoed = ' | '.join(form for secret in [PASSWORD, session[0]] for form in encodings(secret).values())
        sim.faults(
            {'kind': 'status', 'status': 500, 'path': '*/ID404', 'body': 'text', 'text': 'echo: %s' % echoed},
            {
                'kind': 'status',
                'status': 503,
                'path': '*/ID405',
                'count': 'always',
                'retry_after': quote(PASSWORD, safe=''),
            },
            {
                'kind': 'status',
                'status': 503,
                'path': '*/ID406',
                'count': 'always',
                'retry_after': 'JSESSIONID=%s' % session[0],
            },
        )
        for task_id in ('ID404', 'ID405', 'ID406'):
            with pytest.raises(SdmHttpError):
                client.get_task(task_id, MATCHER)
    echo = next(item for item in recorded(folder) if item['request']['path'].endswith('/ID404'))
    assert echo['answer']['body'].startswith('echo: %s' % REDACTED) and echo['answer']['body'].count(REDACTED) >= 20
    assert any(item['answer']['headers'].get('Retry-After') == REDACTED for item in recorded(folder))
    assert_no_secret(folder, [PASSWORD] + session)


def test_a_body_over_max_body_bytes_is_not_written(sim, tmp_path):
    folder = tmp_path / 'rec'
    sim.load(scenario(tasks=[{'id': 'ID70', 'devices': [{'count': 200, 'at': 0}]}]))
    client = sim.client(folder, max_body_bytes=4096)
    with client:
        with pytest.raises(SdmBadAnswerError, match='more than 4096 bytes'):
            client.get_task('ID70', MATCHER)
    big = next(item for item in recorded(folder) if item['request']['path'].endswith('/ID70'))
    assert big['answer']['body'] is None and big['answer']['status'] == 200
    assert big['answer']['body_note'] == 'not written: the body is larger than max_body_bytes (4096 bytes)'


def test_a_body_cut_short_loses_its_tail(sim, tmp_path):
    """What may end in the middle of a secret is left out: an error page read up to 64 KiB, an answer that broke off."""
    folder = tmp_path / 'rec'
    client = sim.client(folder)
    with client:
        sim.faults(
            {'kind': 'status', 'status': 500, 'path': '*/ID404', 'body': 'text', 'text': 'x' * (100 * 1024)},
            {'kind': 'short_read', 'path': '*/ID33', 'count': 1},
        )
        with pytest.raises(SdmHttpError):
            client.get_task('ID404', MATCHER)
        client.get_task('ID33', MATCHER)  # retried after the broken answer
    files = recorded(folder)
    page = next(item for item in files if item['request']['path'].endswith('/ID404'))
    assert 'the client stopped reading it' in page['answer']['body_note']
    assert len(page['answer']['body']) <= 64 * 1024 + 256 * 1024 - 12 * len(PASSWORD)
    broken, whole = [item for item in files if item['request']['path'].endswith('/ID33')]
    assert 'cut short' in broken['answer']['body_note'] and whole['answer']['body_note'] is None
    assert len(broken['answer']['body']) < len(whole['answer']['body']) // 2


def test_the_files_of_a_run_are_bounded(sim, tmp_path, monkeypatch):
    monkeypatch.setattr(_recorder, 'MAX_FILES_PER_RUN', 3)
    folder = tmp_path / 'rec'
    client = sim.client(folder)
    with client:
        for _read in range(4):
            client.get_task('ID33', MATCHER)
    assert len(recorded(folder)) == 3
    assert client.warnings == [
        'record_dir: this run reached the limit of 3 recorded exchanges; the rest is not recorded; '
        'the run goes on without recording'
    ]


@pytest.mark.parametrize(
    'where, why',
    [
        ('file/below', 'cannot write the recording to'),
        ('full', 'the folder holds 2 or more files already'),
    ],
)
def test_a_recording_that_cannot_be_written_only_warns(sim, tmp_path, monkeypatch, where, why):
    (tmp_path / 'file').write_text('not a folder', encoding='utf-8')
    (tmp_path / 'full').mkdir()
    for name in ('a.json', 'b.json'):
        (tmp_path / 'full' / name).write_text('{}', encoding='utf-8')
    monkeypatch.setattr(_recorder, 'MAX_FILES_PER_FOLDER', 2)
    client = sim.client(tmp_path / where)
    with client:
        task = client.get_task('ID33', MATCHER)
    assert task['succeeded'] is True
    assert (
        len(client.warnings) == 1
        and why in client.warnings[0]
        and 'the run goes on without recording' in client.warnings[0]
    )


def test_a_password_too_short_to_remove_safely_records_nothing(sim, tmp_path):
    sim.load(scenario(users=[{'username': 'admin', 'password': 'abc'}]))
    client = sim.client(tmp_path / 'rec', password='abc')
    with client:
        client.get_task('ID33', MATCHER)
    assert not (tmp_path / 'rec').exists()
    assert client.warnings == [
        'record_dir: the password is shorter than 4 characters, too short to be removed from the recording '
        'safely; the run goes on without recording'
    ]


def test_placeholders_are_the_same_in_every_file_of_the_folder(sim, tmp_path):
    folder = tmp_path / 'rec'
    for body_format in ('xml', 'json'):
        with sim.client(folder, body_format=body_format, record_placeholders=True) as client:
            client.get_task('ID33', MATCHER)
    texts = [path.read_text(encoding='utf-8') for path in sorted(folder.glob('0*.json'))]
    assert not any('ID34' in text or 'ID11' in text or '127.0.0.1' in text for text in texts)
    reads = [item['answer']['body'] for item in recorded(folder) if item['request']['path'].endswith('/ID33')]
    devices = [text.split('device-', 1)[1][:10] for text in reads]
    groups = [text.split('group-', 1)[1][:10] for text in reads]
    assert devices[0] == devices[1] and groups[0] == groups[1] and devices[0] != groups[0]
    assert all('ID33' in text for text in reads)  # task ids stay
    assert stat.S_IMODE((folder / recording_format.PLACEHOLDER_KEY).stat().st_mode) == 0o600


def test_concurrent_polls_each_get_their_file(sim, tmp_path):
    folder = tmp_path / 'rec'
    sim.load(scenario(tasks=[{'id': 'ID%d' % number, 'devices': [{'at': 0}]} for number in range(1, 9)]))
    with sim.client(folder) as client:
        result = PollWait(client, MATCHER, timeout=10, sleep=0.1, sleep_max=0.1).wait(
            ['ID%d' % number for number in range(1, 9)]
        )
    assert all(task['succeeded'] for task in result.tasks)
    files = recorded(folder)
    assert len(files) == sum(sim.counters()['requests'].values())
    assert sorted(item['sequence'] for item in files) == list(range(1, len(files) + 1))


# --- replayed by the simulator --------------------------------------------------------------------------


def change_window(client: SdmClient) -> List[Any]:
    """Wait for two tasks, roll back the failed one, commit the other, read the pending list: what a window sees."""
    seen: List[Any] = []
    result = PollWait(client, MATCHER, timeout=30, sleep=0.1, sleep_max=0.1).wait(['ID50', 'ID51'])
    seen.append(result.tasks)
    rollback = ActionRunner(client, MATCHER).run('ID51', 'rollback', wait=WaitSettings(30, 0.1, 0.1))
    seen.append((rollback.changed, rollback.message, rollback.task))
    commit = ActionRunner(client, MATCHER).run('ID50', 'commit', wait=WaitSettings(30, 0.1, 0.1))
    seen.append((commit.changed, commit.committed, commit.message))
    seen.append(client.list_pending_task_ids())
    return seen


def test_a_recorded_change_window_replays_the_same(sim, tmp_path):
    sim.load(
        scenario(
            speed=10,
            tasks=[
                {
                    'id': 'ID50',
                    'error_handling': 'rollback',
                    'timed_from': 'first_request',
                    'devices': [{'object_id': 'ID501', 'at': 1}, {'object_id': 'ID502', 'at': 2}],
                },
                {
                    'id': 'ID51',
                    'error_handling': 'rollback',
                    'timed_from': 'first_request',
                    'devices': [{'object_id': 'ID511', 'at': 1}, {'object_id': 'ID512', 'at': 2, 'outcome': 'failure'}],
                },
                {'id': 'ID52', 'devices': [{'outcome': 'never'}]},
            ],
        )
    )
    folder = tmp_path / 'window'
    with sim.client(folder) as client:
        live = change_window(client)
    assert live[1][0] is True and live[2][:2] == (True, True) and live[3] == ['ID52']
    recording = sdm_simulator.load_recording(str(folder))
    with sdm_simulator.ReplayServer(recording) as replay:
        with SdmClient(client_config(replay.url, password='any-password-will-do')) as client:
            replayed = change_window(client)
        counters = replay.replayer.counters_document()
    assert replayed == live
    assert counters['unrecorded'] == {} and counters['sessions_open'] == 0


def test_an_unknown_status_word_replayed(sim, tmp_path):
    """The worked example of the docs: the warning comes back in the replay, and success_states makes it pass."""
    sim.load(scenario(status_words={'update.completed': 'Deployed'}))
    folder = tmp_path / 'rec'
    with sim.client(folder) as client:
        live = client.get_task('ID33', MATCHER)
    assert live['finished'] is False and "unknown update status 'Deployed'" in client.warnings[0]
    with sdm_simulator.ReplayServer(sdm_simulator.load_recording(str(folder))) as replay:
        with SdmClient(client_config(replay.url)) as again:
            assert again.get_task('ID33', MATCHER) == live
        assert again.warnings == client.warnings
        knowing = StateMatcher(success_states=list(DEFAULT_SUCCESS_STATES) + ['Deployed'])
        with SdmClient(client_config(replay.url)) as fixed:
            task = fixed.get_task('ID33', knowing)
        assert (task['finished'], task['succeeded'], fixed.warnings) == (True, True, [])


# --- files someone else may have planted, and names that keep their order (issue 22) -----------------------


def test_a_marker_that_links_to_a_fifo_neither_hangs_nor_is_followed(sim, tmp_path):
    folder = tmp_path / 'rec'
    folder.mkdir(mode=0o700)
    os.mkfifo(str(tmp_path / 'fifo'))
    os.symlink(str(tmp_path / 'fifo'), str(folder / recording_format.MARKER))
    client = sim.client(folder)
    with client:  # a plain open() of the FIFO would block here for ever, with the session open
        task = client.get_task('ID33', MATCHER)
    assert task['succeeded'] is True
    assert len(client.warnings) == 1 and 'recording.json is a symbolic link' in client.warnings[0]
    assert sorted(path.name for path in folder.iterdir()) == [recording_format.MARKER]
    assert sim.counters()['sessions_open'] == 0


def test_a_marker_that_is_a_fifo_is_refused(sim, tmp_path):
    folder = tmp_path / 'rec'
    folder.mkdir(mode=0o700)
    os.mkfifo(str(folder / recording_format.MARKER))
    client = sim.client(folder)
    with client:
        client.get_task('ID33', MATCHER)
    assert len(client.warnings) == 1 and 'recording.json is not a regular file' in client.warnings[0]


def test_a_huge_marker_is_not_read_whole(sim, tmp_path, monkeypatch):
    folder = tmp_path / 'rec'
    folder.mkdir(mode=0o700)
    (folder / recording_format.MARKER).write_bytes(b' ' * (_safe_files.MAX_READ_BYTES + 1))
    client = sim.client(folder)
    with client:
        client.get_task('ID33', MATCHER)
    assert len(client.warnings) == 1 and 'recording.json is larger than 65536 bytes' in client.warnings[0]


@pytest.mark.parametrize(
    'mode, text, why',
    [
        (0o644, 'ab' * 32, 'can be read or linked by others (mode 0644, 1 links)'),
        (0o600, 'not a key', 'does not hold a placeholder key'),
    ],
)
def test_a_planted_placeholder_key_is_not_used(sim, tmp_path, mode, text, why):
    folder = tmp_path / 'rec'
    folder.mkdir(mode=0o700)
    key = folder / recording_format.PLACEHOLDER_KEY
    key.write_text(text + '\n', encoding='utf-8')
    key.chmod(mode)
    client = sim.client(folder, record_placeholders=True)
    with client:
        client.get_task('ID33', MATCHER)
    assert len(client.warnings) == 1 and why in client.warnings[0], client.warnings
    assert recorded(folder) == []  # nothing recorded with a key someone else may hold


def test_a_placeholder_key_linked_from_elsewhere_is_not_followed(sim, tmp_path):
    folder = tmp_path / 'rec'
    folder.mkdir(mode=0o700)
    (tmp_path / 'their-key').write_text('ab' * 32 + '\n', encoding='utf-8')
    os.symlink(str(tmp_path / 'their-key'), str(folder / recording_format.PLACEHOLDER_KEY))
    client = sim.client(folder, record_placeholders=True)
    with client:
        client.get_task('ID33', MATCHER)
    assert len(client.warnings) == 1 and '.placeholder-key is a symbolic link' in client.warnings[0]
    assert recorded(folder) == []


def test_names_keep_their_order_across_runs_even_when_the_wall_clock_goes_back(sim, tmp_path, monkeypatch):
    folder = tmp_path / 'rec'
    with sim.client(folder) as client:
        client.get_task('ID33', MATCHER)
    first = sorted(path.name for path in folder.glob('0*.json'))
    real_time = time.time
    monkeypatch.setattr(_recording_adapter.time, 'time', lambda: real_time() - 3600)  # an hour back (NTP, a VM restore)
    with sim.client(folder) as client:
        client.get_task('ID33', MATCHER)
    names = sorted(path.name for path in folder.glob('0*.json'))
    assert names[: len(first)] == first and len(names) == 2 * len(first)
    assert all(len(name.split('-', 1)[0]) == recording_format.NAME_DIGITS for name in names)
    elapsed = [item['elapsed'] for item in recorded(folder)]
    assert elapsed == sorted(elapsed)
    runs = [item['run'] for item in recorded(folder)]
    assert runs[: len(first)] == [runs[0]] * len(first) and runs[0] not in runs[len(first) :]


# --- the recorder around the transport (issue 24) ----------------------------------------------------------


def test_the_recorder_wraps_the_transport_and_patches_no_response_method(sim, tmp_path):
    client = sim.client(tmp_path / 'rec')
    session = client.transport.session
    adapters = set(map(id, session.adapters.values()))
    assert session.hooks['response'] == [] and len(adapters) == 1
    wrapper = session.adapters['https://']
    assert (
        isinstance(wrapper, _recording_adapter.RecordingAdapter)
        and wrapper.transport.__class__.__name__ == 'HTTPAdapter'
    )
    with client:
        client.get_task('ID33', MATCHER)
        answer = session.get(sim.url + '/_sim/health', stream=True)
        assert answer.iter_content.__func__ is type(answer).iter_content  # the client's answer is requests' own
        assert isinstance(answer.raw, _recording_adapter.TeeBody)
        answer.close()
    assert client.recorder.written == 4


class _Raw:
    """A transport's raw stream: the chunks given, then an error if one is given."""

    def __init__(self, chunks: List[bytes], error: Any = None) -> None:
        self.chunks, self.error, self.calls = chunks, error, []

    def stream(self, *args: Any, **kwargs: Any) -> Iterator[bytes]:
        yield from self.chunks
        if self.error is not None:
            raise self.error

    def close(self) -> None:
        self.calls.append('close')

    def release_conn(self) -> None:
        self.calls.append('release_conn')


def test_the_tee_keeps_what_the_client_read_within_its_bound():
    closed = []
    tee = _recording_adapter.TeeBody(_Raw([b'a' * 6, b'b' * 6, b'c' * 6]), 8, lambda: closed.append(1))
    assert b''.join(tee.stream(4, decode_content=True)) == b'a' * 6 + b'b' * 6 + b'c' * 6
    assert (bytes(tee.data), tee.size, tee.ended, tee.error) == (b'a' * 6 + b'bbb', 18, True, None)
    tee.release_conn()
    tee.close()
    assert closed == [1] and tee.raw.calls == ['release_conn', 'close']


def test_the_tee_records_a_body_as_far_as_the_client_read_it():
    stopped = _recording_adapter.TeeBody(_Raw([b'x' * 4] * 5), 100, lambda: None)
    chunks = stopped.stream()
    next(chunks), next(chunks)
    chunks.close()  # the client stops reading: too big
    assert (stopped.size, stopped.ended, stopped.error) == (8, False, None)
    broken = _recording_adapter.TeeBody(_Raw([b'y' * 4], OSError('reset')), 100, lambda: None)
    with pytest.raises(OSError):
        list(broken.stream())
    assert (bytes(broken.data), broken.ended, str(broken.error)) == (b'yyyy', False, 'reset')


def test_a_login_answer_the_decoder_cannot_read_is_not_written(sim, tmp_path):
    """Its session id could not be found in a document that is not whole: the body is left out."""
    folder = tmp_path / 'rec'
    client = sim.client(folder)
    sim.faults({'kind': 'body', 'body': 'truncated', 'path': '*/admin/login', 'count': 1})
    with client:
        client.get_task('ID33', MATCHER)
        secrets = [PASSWORD] + session_ids(client)
    login = recorded(folder)[0]
    assert login['request']['path'].endswith('/admin/login') and login['answer']['body'] is None
    assert 'the login answer is not a whole session document' in login['answer']['body_note']
    assert_no_secret(folder, secrets)


def test_with_placeholders_a_document_the_decoder_cannot_read_is_not_written(sim, tmp_path):
    folder = tmp_path / 'rec'
    client = sim.client(folder, record_placeholders=True)
    with client:
        sim.faults(
            {'kind': 'body', 'body': 'truncated', 'path': '*/ID33', 'count': 1},
            {'kind': 'status', 'status': 500, 'path': '*/ID404', 'text': 'plain text stays'},
        )
        with pytest.raises(SdmBadAnswerError):
            client.get_task('ID33', MATCHER)
        with pytest.raises(SdmHttpError):
            client.get_task('ID404', MATCHER)
        client.get_task('ID33', MATCHER)
    half, whole = [item for item in recorded(folder) if item['request']['path'].endswith('/ID33')]
    assert half['answer']['body'] is None and 'record_placeholders is on' in half['answer']['body_note']
    assert whole['answer']['body'] and 'device-' in whole['answer']['body']
    page = next(item for item in recorded(folder) if item['request']['path'].endswith('/ID404'))
    assert page['answer']['body'].strip() == 'plain text stays'
    assert not any('ID34' in path.read_text(encoding='utf-8') for path in folder.glob('0*.json'))
