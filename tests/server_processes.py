"""Start-up helpers shared by the test set-ups that run servers: a free loopback port, and
stopping a server the run started, by its PID. (On pytest's path: see `pythonpath` in
pyproject.toml.)"""

from __future__ import annotations

import socket
import subprocess


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def stop_server(process: subprocess.Popen[bytes], timeout: float = 20) -> None:
    """Stop a server this test run started, by its PID."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
