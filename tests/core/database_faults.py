"""Real database faults for tests: a database that is gone, and one that accepts connections but never
answers (a TCP listener on 127.0.0.1 that stalls). No mock: the backend really fails to connect."""

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again when the block ends: nothing listens there


class StallingServer:
    """Accepts every TCP connection on 127.0.0.1, reads nothing and answers nothing until closed."""

    def __init__(self):
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)  # so that the accepting thread notices close() at once
        self.port = self._listener.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                peer, _address = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted.append(peer)

    def close(self) -> None:
        self._closed.set()
        self._thread.join(5)
        self._listener.close()
        for peer in self.accepted:
            peer.close()


@contextmanager
def database_moved(**settings_changes) -> Iterator[None]:
    """The default connection reconnects with these settings until the block ends, then is restored."""
    saved = {**connection.settings_dict, "OPTIONS": dict(connection.settings_dict.get("OPTIONS", {}))}
    connection.close()
    connection.settings_dict.update(settings_changes)
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


@contextmanager
def database_gone() -> Iterator[None]:
    """Nothing answers where the database was: PostgreSQL on a closed port, SQLite in a missing folder."""
    if connection.vendor == "postgresql":
        with database_moved(HOST="127.0.0.1", PORT=str(closed_port())):
            yield
    else:
        with database_moved(NAME="/nonexistent-folder/portal.sqlite3"):
            yield


@contextmanager
def database_stalled(*, connect_timeout: int = 2) -> Iterator[StallingServer]:
    """PostgreSQL behind a listener that accepts the connection and then never answers."""
    server = StallingServer()
    options = {**connection.settings_dict.get("OPTIONS", {}), "connect_timeout": connect_timeout}
    try:
        with database_moved(HOST="127.0.0.1", PORT=str(server.port), OPTIONS=options):
            yield server
    finally:
        server.close()
