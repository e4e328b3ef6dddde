# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the recorder's placeholders stand for: the device ids and host names of an SDM document, decoded by the
decoder (`_decode.decode_body`, XML and JSON alike), their placeholders, and their replacement in a text where they
stand as whole words."""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any, Dict

# Fields whose values are device ids (in the device list), and fields whose values name hosts.
_DEVICE_FIELDS = {'objectId': 'device', 'deviceId': 'device', 'deviceGroupId': 'group'}
_GROUP_FIELDS = frozenset(('deviceGroupId',))
_DEVICE_LIST = 'deviceStatusList'
_HOST_FIELD = re.compile(
    r'(?i)^(?:host|hostname|\w*host(?:name)?|\w*(?:ip)?address|ip|fqdn|\w*devicename|\w*nodename|\w*targetname)$'
)
# Longer values are not identifiers (a message, a list in one field).
_MAX_VALUE = 512


def replace_tokens(text: str, mapping: Dict[str, str]) -> str:
    """Each value of ``mapping`` replaced where it stands as a whole word (ID3 is left alone inside ID33)."""
    for value in sorted(mapping, key=len, reverse=True):
        text = re.sub(r'(?<![\w.-])%s(?![\w-]|\.\w)' % re.escape(value), mapping[value], text)
    return text


def identifiers(document: Any) -> Dict[str, str]:
    """Device ids and host names of a decoded document: value -> kind (``device``, ``group``, ``host``)."""
    found: Dict[str, str] = {}
    _collect(document, found, in_devices=False)
    return found


def placeholder(key: bytes, kind: str, value: str) -> str:
    """The placeholder of a value: the same for the same key, which only its holder can reverse."""
    digest = hmac.new(key, ('%s\0%s' % (kind, value)).encode('utf-8'), hashlib.sha256).hexdigest()
    return '%s-%s' % (kind, digest[:10])


def _collect(value: Any, found: Dict[str, str], in_devices: bool) -> None:
    if isinstance(value, list):
        for item in value:
            _collect(item, found, in_devices)
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, str):
                kind = _kind(key, in_devices)
                if kind and item.strip() and len(item) <= _MAX_VALUE:
                    found[item.strip()] = kind
            else:
                _collect(item, found, in_devices or key == _DEVICE_LIST)


def _kind(field: str, in_devices: bool) -> str:
    if field in _GROUP_FIELDS or (in_devices and field in _DEVICE_FIELDS):
        return _DEVICE_FIELDS[field]
    return 'host' if _HOST_FIELD.match(field) else ''
