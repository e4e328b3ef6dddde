# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the recorder's placeholders stand for: the device ids and host names in an XML or JSON body, and their
replacement where they stand as whole words. Moved out of ``_recording.py`` as it is (a concern of its own)."""

from __future__ import annotations

import json
import re
from typing import Any, Dict

# Fields whose values are device ids, and fields whose values name hosts.
_DEVICE_LIST = re.compile(r'<deviceStatusList\b[^>]*>(.*?)</deviceStatusList\s*>', re.DOTALL)
_XML_FIELD = re.compile(r'<([A-Za-z_][\w.-]*)>([^<]{1,512})</\1\s*>')
_DEVICE_FIELDS = {'objectId': 'device', 'deviceId': 'device', 'deviceGroupId': 'group'}
_GROUP_FIELDS = frozenset(('deviceGroupId',))
_HOST_FIELD = re.compile(
    r'(?i)^(?:host|hostname|\w*host(?:name)?|\w*(?:ip)?address|ip|fqdn|\w*devicename|\w*nodename|\w*targetname)$'
)


def replace_tokens(text: str, mapping: Dict[str, str]) -> str:
    """Each value of ``mapping`` replaced where it stands as a whole word (ID3 is left alone inside ID33)."""
    for value in sorted(mapping, key=len, reverse=True):
        text = re.sub(r'(?<![\w.-])%s(?![\w-]|\.\w)' % re.escape(value), mapping[value], text)
    return text


def identifiers(body: str) -> Dict[str, str]:
    """Device ids and host names in an XML or JSON body: value -> kind (``device``, ``group``, ``host``)."""
    found: Dict[str, str] = {}
    stripped = body.lstrip()
    if stripped.startswith('{') or stripped.startswith('['):
        try:
            _json_identifiers(json.loads(body), found, in_devices=False)
        except ValueError:
            pass
        return found
    for block in _DEVICE_LIST.findall(body):
        for name, value in _XML_FIELD.findall(block):
            if name in _DEVICE_FIELDS:
                found[value.strip()] = _DEVICE_FIELDS[name]
    for name, value in _XML_FIELD.findall(body):
        if name in _GROUP_FIELDS:
            found[value.strip()] = 'group'
        elif _HOST_FIELD.match(name):
            found[value.strip()] = 'host'
    return dict((value, kind) for value, kind in found.items() if value)


def _json_identifiers(value: Any, found: Dict[str, str], in_devices: bool) -> None:
    if isinstance(value, list):
        for item in value:
            _json_identifiers(item, found, in_devices)
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, str) and item:
                if key in _GROUP_FIELDS or (in_devices and key in _DEVICE_FIELDS):
                    found[item] = _DEVICE_FIELDS[key]
                elif _HOST_FIELD.match(key):
                    found[item] = 'host'
            else:
                _json_identifiers(item, found, in_devices or key == 'deviceStatusList')
