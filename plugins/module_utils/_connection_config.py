# -*- coding: utf-8 -*-
# Copyright: ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""`ConnectionConfig`: how to reach and log in to one SDM, checked when it is made."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Optional
from urllib.parse import urlsplit

from ._decode import DEFAULT_MAX_BODY_BYTES
from ._errors import SdmInputError
from ._retry import RetryPolicy
from ._sdm_api import DEFAULT_API_VERSION, DEFAULT_REQUEST_TIMEOUT, JSON, XML, host_port

_API_VERSION = re.compile(r'^v[0-9]+(\.[0-9]+)*$')


@dataclass
class ConnectionConfig:
    """How to reach and log in to one SDM. ``password`` is left out of the repr."""

    url: str
    username: str
    password: str = field(repr=False)
    validate_certs: bool = True
    ca_path: Optional[str] = None
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT
    api_version: str = DEFAULT_API_VERSION
    body_format: str = XML
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    record_dir: Optional[str] = None  # record every exchange there (_recording.py); None: off
    record_placeholders: bool = False

    def __post_init__(self) -> None:
        self._check_url()
        if not isinstance(self.username, str) or not self.username:
            raise SdmInputError('username is empty')
        if not isinstance(self.password, str) or not self.password:
            raise SdmInputError('password is empty')
        if not _API_VERSION.match(self.api_version or ''):
            raise SdmInputError('api_version must look like v1.3, got %r' % (self.api_version,))
        if self.body_format not in (XML, JSON):
            raise SdmInputError('body_format must be xml or json, got %r' % (self.body_format,))
        if not self.request_timeout or self.request_timeout <= 0:
            raise SdmInputError('request_timeout must be a positive number of seconds')
        if self.max_body_bytes < 1024:
            raise SdmInputError('max_body_bytes must be at least 1024')

    def _check_url(self) -> None:
        try:
            parts = urlsplit(self.url or '')
            well_formed = parts.port is None or parts.port >= 0  # .port raises ValueError on a bad port
        except ValueError:
            well_formed = False
        if not well_formed:
            raise SdmInputError('url is not a valid URL')
        if parts.scheme not in ('http', 'https') or not parts.hostname:
            raise SdmInputError(
                'url must start with https:// or http:// and name a host, for example https://sdm.example.com:8443'
            )
        if parts.username is not None or parts.password is not None:
            # Credentials in the URL would end up in messages; they belong in username and password.
            raise SdmInputError('url must not contain a user name or password; use the username and password options')
        if parts.query or parts.fragment:
            raise SdmInputError('url must not contain a query (?) or fragment (#)')

    @property
    def base_url(self) -> str:
        """``{url}/rest/{api_version}`` (a path in ``url``, for a reverse proxy, is kept)."""
        return '%s/rest/%s' % (self.url.rstrip('/'), self.api_version)

    @property
    def base_path(self) -> str:
        """The URL path of `base_url`, as used in messages."""
        return urlsplit(self.base_url).path

    @property
    def host(self) -> str:
        return host_port(self.url)

    @property
    def verify(self) -> Any:
        """The ``verify`` argument of requests: a CA file, or whether to check against the system store."""
        if not self.validate_certs:
            return False
        return self.ca_path or True


def unverified_certificate_warning(url: str) -> str:
    """The warning of a run with ``validate_certs`` false (the modules' and the action's, worded once)."""
    return (
        'validate_certs is false: the TLS certificate of SDM at %s is not verified. '
        'Use ca_path to trust a private certification authority instead.' % host_port(url)
    )
