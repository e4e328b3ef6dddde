# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The change report files (issue 22): created with the process umask, never through a planted link, and Markdown
cells that SDM's text cannot break."""

from __future__ import annotations

import os
import stat

import pytest

from ansible_collections.ocsdm.route_manager.plugins.action.route_update_wait import _write
from ansible_collections.ocsdm.route_manager.plugins.module_utils._change_report import _cell


@pytest.mark.parametrize('umask, mode', [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)])
def test_a_report_is_created_with_the_process_umask(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        _write(str(tmp_path / 'CHG-ID1.md'), 'report\n')
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(str(tmp_path / 'CHG-ID1.md')).st_mode) == mode
    assert os.listdir(str(tmp_path)) == ['CHG-ID1.md']  # no temporary file left


def test_a_link_at_the_report_path_is_replaced_not_followed(tmp_path):
    target = tmp_path / 'elsewhere'
    target.write_text('keep')
    os.symlink(str(target), str(tmp_path / 'CHG-ID1.json'))
    _write(str(tmp_path / 'CHG-ID1.json'), '{}\n')
    assert target.read_text() == 'keep'
    assert not os.path.islink(str(tmp_path / 'CHG-ID1.json'))
    assert (tmp_path / 'CHG-ID1.json').read_text() == '{}\n'


@pytest.mark.parametrize(
    'text, cell',
    [
        ('a | b', 'a \\| b'),
        ('[click](https://evil.example)', '\\[click\\](https://evil.example)'),
        ('![img](x)', '!\\[img\\](x)'),
        ('`rm -rf`', '\\`rm -rf\\`'),
        ('<script>', '&lt;script&gt;'),
        ('line 1\r\nline 2\u2028line 3', 'line 1 line 2 line 3'),
        ('back\\slash|', 'back\\\\slash\\|'),
        (None, ''),
    ],
)
def test_sdm_text_cannot_break_a_markdown_cell(text, cell):
    assert _cell(text) == cell
