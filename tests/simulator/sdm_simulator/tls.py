# Copyright (c) ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""HTTPS for the simulator: a private CA and a server certificate made at start (with trustme)."""

from __future__ import annotations

import os
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

DEFAULT_HOSTNAMES = ("127.0.0.1", "localhost", "::1")


class TlsSetupError(RuntimeError):
    """The certificate could not be made or loaded."""


@dataclass(frozen=True)
class TlsFiles:
    certificate: Path  # server certificate chain (PEM)
    private_key: Path
    ca_certificate: Path  # what a client passes as ca_path to trust the server


def make_tls_files(directory: Path, hostnames: Sequence[str] = DEFAULT_HOSTNAMES) -> TlsFiles:
    try:
        import trustme
    except ImportError:
        raise TlsSetupError("HTTPS needs the Python package trustme (pip install trustme)") from None
    authority = trustme.CA(organization_name="SDM simulator test CA")
    issued = authority.issue_cert(*hostnames)
    files = TlsFiles(directory / "server.pem", directory / "server.key", directory / "ca.pem")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        authority.cert_pem.write_to_path(str(files.ca_certificate))
        # created private: the key never exists with wider permissions
        key_fd = os.open(files.private_key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(key_fd, "wb") as key:
            key.write(issued.private_key_pem.bytes())
        files.certificate.write_bytes(b"".join(pem.bytes() for pem in issued.cert_chain_pems))
    except OSError as exc:
        raise TlsSetupError(f"cannot write the TLS files to {directory}: {exc.strerror}") from None
    return files


def server_context(files: TlsFiles) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(str(files.certificate), str(files.private_key))
    except (OSError, ssl.SSLError) as exc:
        raise TlsSetupError(f"cannot load the server certificate {files.certificate}: {exc}") from None
    return context
