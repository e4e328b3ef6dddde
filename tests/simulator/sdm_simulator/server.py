# Copyright (c) ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""HTTP/1.1 with keep-alive (clients reuse their connection), optional TLS, and a clean stop.

Every connection gets a thread with an idle timeout; stopping closes the open connections and joins
their threads with a bound, so a test never leaves a server or a thread behind.
"""

from __future__ import annotations

import logging
import socket
import socketserver
import ssl
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, Dict, Optional, Protocol, Tuple

from .app import Simulator
from .messages import RESET, SHORT_READ, Reply, Request, text_reply
from .scenario import Scenario
from .state import SimulatorState
from .tls import TlsFiles, server_context

LOG = logging.getLogger("sdm_simulator")

MAX_BODY_BYTES = 1024 * 1024
IDLE_CONNECTION_SECONDS = 30.0
STOP_JOIN_SECONDS = 5.0
# how often the accept loop notices a stop request: short, so the many servers of a test run stop fast
STOP_POLL_SECONDS = 0.02
QUIET_ERRORS = (ConnectionError, TimeoutError, socket.timeout, ssl.SSLError, OSError)


class App(Protocol):
    """What answers behind the HTTP layer: the simulator, or the replay of a recording."""

    stopping: threading.Event

    def handle(self, request: Request) -> Reply:
        """The reply to one request."""

    def connection_opened(self) -> None:
        """Called for each new TCP connection."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "SDM-Simulator/1.0"
    sys_version = ""
    timeout = IDLE_CONNECTION_SECONDS
    server: "SimulatorHTTPServer"

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_GET

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:
        # request lines and statuses only: no headers, so no cookie reaches a log
        LOG.info("%s %s", self.address_string(), format % args)

    def _serve(self) -> None:
        body = self._read_body()
        if body is None:
            return
        request = Request(self.command, self.path, self.headers, body, secure=self.server.ssl_context is not None)
        try:
            reply = self.server.simulator.handle(request)
        except Exception:
            LOG.exception("simulator error on %s %s", self.command, request.path)
            reply = text_reply(500, "Internal simulator error")
        self._send(reply)

    def _read_body(self) -> Optional[bytes]:
        if self.headers.get("Transfer-Encoding"):
            self._refuse(411, "Send the body with a Content-Length")
            return None
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            length = -1
        if length < 0:
            self._refuse(400, "Invalid Content-Length")
            return None
        if length > MAX_BODY_BYTES:
            self._refuse(413, f"The request body is larger than {MAX_BODY_BYTES} bytes")
            return None
        return self.rfile.read(length)

    def _refuse(self, status: int, message: str) -> None:
        """Answer and close: the rest of the request cannot be trusted to end where it says."""
        self.close_connection = True
        self._send(text_reply(status, message), close=True)

    def _send(self, reply: Reply, close: bool = False) -> None:
        if reply.transport == RESET:
            self._reset()
            return
        short_read = reply.transport == SHORT_READ
        self.send_response(reply.status)
        if reply.content_type:
            self.send_header("Content-Type", reply.content_type)
        for name, value in reply.headers:
            self.send_header(name, value)
        if reply.status not in (204, 304):
            self.send_header("Content-Length", str(len(reply.body)))
        if close or short_read:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(reply.body[: len(reply.body) // 2] if short_read else reply.body)
        self.wfile.flush()

    def _reset(self) -> None:
        """Close with a TCP reset (linger 0), so the client sees 'connection reset by peer'."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.connection.close()


class SimulatorHTTPServer(HTTPServer):
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address: Tuple[str, int], simulator: App, ssl_context: Optional[ssl.SSLContext] = None) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.simulator = simulator
        self.ssl_context = ssl_context
        self._connections: Dict[threading.Thread, socket.socket] = {}
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks up the host's FQDN, which can stall on machines without DNS
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def get_request(self) -> Tuple[socket.socket, Any]:
        connection, address = self.socket.accept()
        # headers and body leave in separate writes; without this, Nagle and delayed ACKs add 40 ms per answer
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.ssl_context is not None:
            # the handshake happens in the connection's own thread, so a silent client cannot block accept()
            connection = self.ssl_context.wrap_socket(connection, server_side=True, do_handshake_on_connect=False)
        return connection, address

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self._serve_connection, args=(request, client_address), name="sdm-simulator-connection", daemon=True
        )
        with self._connections_lock:
            self._connections[thread] = request
        self.simulator.connection_opened()
        thread.start()

    def _serve_connection(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)
            with self._connections_lock:
                self._connections.pop(threading.current_thread(), None)

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, QUIET_ERRORS):
            LOG.debug("connection from %s ended: %s", client_address, error)
        else:
            LOG.error("error while serving %s", client_address, exc_info=True)

    def close_connections(self, timeout: float) -> None:
        with self._connections_lock:
            connections = list(self._connections.items())
        for _thread, connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        deadline = time.monotonic() + timeout
        for thread, _connection in connections:
            thread.join(max(0.0, deadline - time.monotonic()))


class SimulatorServer:
    """The simulator on a real socket; ``with SimulatorServer(scenario) as sim: sim.url``."""

    def __init__(
        self,
        scenario: Optional[Scenario],
        host: str = "127.0.0.1",
        port: int = 0,
        tls: Optional[TlsFiles] = None,
        app: Optional[App] = None,
    ) -> None:
        """``app`` answers instead of a simulator of ``scenario`` (the replay of a recording does)."""
        self.simulator: Any = app if app is not None else Simulator(scenario)
        self.host = host
        self._requested_port = port
        self.tls = tls
        self._httpd: Optional[SimulatorHTTPServer] = None
        self._thread: Optional[threading.Thread] = None

    @property
    def state(self) -> SimulatorState:
        return self.simulator.state

    @property
    def port(self) -> int:
        """The port listened on (the free one picked when started with port 0)."""
        if self._httpd is None:
            raise RuntimeError("the simulator is not started")
        return self._httpd.server_port

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}"

    def start(self) -> "SimulatorServer":
        context = server_context(self.tls) if self.tls is not None else None
        self._httpd = SimulatorHTTPServer((self.host, self._requested_port), self.simulator, context)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": STOP_POLL_SECONDS},
            name="sdm-simulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self, timeout: float = STOP_JOIN_SECONDS) -> None:
        if self._httpd is None:
            return
        self.simulator.stopping.set()
        self._httpd.shutdown()
        self._httpd.close_connections(timeout)
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout)
        self._httpd = None

    def __enter__(self) -> "SimulatorServer":
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()
