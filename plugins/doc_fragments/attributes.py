# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):
    """Attributes shared by the modules and the action of the action group C(ocsdm.route_manager.sdm); no options."""

    DOCUMENTATION = r"""
options: {}
attributes:
  diff_mode:
    support: none
  platform:
    platforms: posix
  action_group:
    support: full
    membership:
      - ocsdm.route_manager.sdm
"""
