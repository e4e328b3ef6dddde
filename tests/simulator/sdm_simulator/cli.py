# Copyright (c) ocsdm.route_manager contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Command line: serve one scenario (or replay a recording) until interrupted, terminated, or its lifetime ends;
or turn a recording into a scenario file."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import shutil
import signal
import sys
import tempfile
import threading
from contextlib import ExitStack
from pathlib import Path
from typing import List, Optional, Tuple

from ._fields import ScenarioError
from .from_recording import scenario_text
from .recording import load_recording
from .replay import ReplayServer
from .scenario import load_scenario_file
from .server import SimulatorServer
from .tls import DEFAULT_HOSTNAMES, TlsFiles, TlsSetupError, make_tls_files


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m sdm_simulator",
        description="Serve a simulated Oracle SDM route-update REST API for tests and demos.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    parser.add_argument(
        "--port", type=_port, default=0, help="port to listen on; 0 picks a free one (default: %(default)s)"
    )
    parser.add_argument(
        "--scenario", help="scenario file (.yml, .yaml, .json) or the name of a bundled scenario (default: demo)"
    )
    parser.add_argument(
        "--speed", type=_positive_float, help="scenario seconds per real second (overrides the scenario's speed)"
    )
    parser.add_argument(
        "--replay",
        metavar="DIR",
        help="serve the recording in DIR (the record_dir of a run) in its order and timing, instead of a scenario",
    )
    parser.add_argument(
        "--replay-speed",
        metavar="N",
        type=_positive_float,
        help="with --replay: recorded seconds per real second (default: 1)",
    )
    parser.add_argument(
        "--scenario-from-recording",
        metavar="DIR",
        help="write a scenario made from the recording in DIR (to --output, or to stdout) and exit",
    )
    parser.add_argument(
        "--output", type=Path, help="with --scenario-from-recording: the scenario file to write (.yml or .json)"
    )
    parser.add_argument(
        "--tls", action="store_true", help="serve HTTPS with a certificate from a private CA made at start"
    )
    parser.add_argument(
        "--tls-dir",
        type=Path,
        help="where to write ca.pem, server.pem and server.key (default: a temporary directory removed at exit)",
    )
    parser.add_argument("--ca-out", type=Path, help="with --tls: also copy the CA certificate (PEM) to this file")
    parser.add_argument(
        "--url-file", type=Path, help="write the base URL to this file once the server listens; removed at exit"
    )
    parser.add_argument(
        "--port-file", type=Path, help="write the port to this file once the server listens; removed at exit"
    )
    parser.add_argument(
        "--lifetime", type=_positive_float, help="stop by itself after this many seconds (a safety net for scripts)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request line to stderr")
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.ca_out is not None and not args.tls:
        parser.error("--ca-out needs --tls")
    _check_modes(parser, args)
    if args.scenario_from_recording is not None:
        return _write_scenario(args.scenario_from_recording, args.output)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        stream=sys.stderr,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    try:
        with ExitStack() as cleanup:
            tls = _tls_files(args, cleanup) if args.tls else None
            server, what = _server(args, tls)
            server.start()
            cleanup.callback(server.stop)
            print(f"SDM simulator listening on {server.url} ({what})", flush=True)
            if tls is not None:
                print(f"CA certificate: {tls.ca_certificate}", flush=True)
            if tls is not None and args.ca_out is not None:
                _copy_ca(tls, args.ca_out)
            # last, so a script waiting for one of these files finds the CA already in place
            if args.url_file is not None:
                _write_ready_file(args.url_file, server.url, cleanup)
            if args.port_file is not None:
                _write_ready_file(args.port_file, str(server.port), cleanup)
            _wait_for_stop(args.lifetime)
    except (ScenarioError, TlsSetupError) as exc:
        print(f"sdm_simulator: {exc}", file=sys.stderr)
        return 2
    except StartupError as exc:
        print(f"sdm_simulator: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"sdm_simulator: cannot serve on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    return 0


class StartupError(Exception):
    """A file the simulator must write for its caller cannot be written."""


def _check_modes(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """--replay serves a recording instead of a scenario; --scenario-from-recording serves nothing."""
    if args.replay is not None and (args.scenario is not None or args.speed is not None):
        parser.error(
            "--replay serves a recording instead of a scenario: leave out --scenario and --speed (use --replay-speed)"
        )
    if args.replay is None and args.replay_speed is not None:
        parser.error("--replay-speed needs --replay")
    if args.scenario_from_recording is not None and args.replay is not None:
        parser.error("--scenario-from-recording writes a file and serves nothing: leave out --replay")
    if args.scenario_from_recording is None and args.output is not None:
        parser.error("--output needs --scenario-from-recording")


def _server(args: argparse.Namespace, tls: Optional[TlsFiles]) -> Tuple[SimulatorServer, str]:
    """The server to start, and how its first line describes it."""
    if args.replay is not None:
        recording = load_recording(args.replay)
        speed = args.replay_speed or 1.0
        server: SimulatorServer = ReplayServer(recording, speed, args.host, args.port, tls)
        return server, f"replay of {recording.name}: {len(recording.exchanges)} exchanges, speed {speed:g}"
    scenario = load_scenario_file(args.scenario or "demo")
    if args.speed is not None:
        scenario = dataclasses.replace(scenario, speed=args.speed)
    return SimulatorServer(scenario, args.host, args.port, tls), f"scenario {scenario.name}, speed {scenario.speed:g}"


def _write_scenario(folder: str, output: Optional[Path]) -> int:
    try:
        text = scenario_text(load_recording(folder), as_json=output is not None and output.suffix == ".json")
    except ScenarioError as exc:
        print(f"sdm_simulator: {exc}", file=sys.stderr)
        return 2
    if output is None:
        sys.stdout.write(text)
        return 0
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        print(f"sdm_simulator: cannot write {output}: {exc.strerror}", file=sys.stderr)
        return 1
    print(f"Scenario written to {output}: edit it, then serve it with --scenario {output}")
    return 0


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0, got {text}")
    return value


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"must be between 0 and 65535, got {port}")
    return port


def _tls_files(args: argparse.Namespace, cleanup: ExitStack) -> TlsFiles:
    directory = args.tls_dir or Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="sdm-simulator-tls-")))
    hostnames = list(DEFAULT_HOSTNAMES) + ([args.host] if args.host not in DEFAULT_HOSTNAMES else [])
    return make_tls_files(directory, hostnames)


def _write_ready_file(path: Path, text: str, cleanup: ExitStack) -> None:
    """Written whole at once (rename), so a script that waits for the file never reads half of it."""
    partial = path.with_name(path.name + ".partial")
    try:
        partial.write_text(text + "\n", encoding="utf-8")
        os.replace(partial, path)
    except OSError as exc:
        raise StartupError(f"cannot write {path}: {exc.strerror}") from None
    cleanup.callback(_remove, path)


def _copy_ca(tls: TlsFiles, destination: Path) -> None:
    try:
        shutil.copyfile(tls.ca_certificate, destination)
    except OSError as exc:
        raise StartupError(f"cannot write the CA certificate to {destination}: {exc.strerror}") from None


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def _wait_for_stop(lifetime: Optional[float]) -> None:
    stop = threading.Event()

    def request_stop(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    stop.wait(lifetime)
