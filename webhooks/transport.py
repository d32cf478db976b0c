"""One signed HTTP POST to an endpoint, to the address that was checked (webhooks.addresses)."""

import http.client
import socket
import ssl
import time
from dataclasses import dataclass

from webhooks.addresses import Target

TIMEOUT_SECONDS = 10
MAX_RESPONSE_BYTES = 64 * 1024
USER_AGENT = "portal-webhooks/1.0"


@dataclass(frozen=True)
class Response:
    status_code: int | None
    latency_ms: int
    error: str = ""
    retry_after: str | None = None


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout, context=ssl.create_default_context())
        self._address = target.address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(*, target: Target, body: bytes, headers: dict[str, str], timeout: float = TIMEOUT_SECONDS) -> Response:
    """POST without following redirects; never raises for network errors (they are in `error`)."""
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(target, timeout)
    started = time.monotonic()
    try:
        connection.request(
            "POST",
            target.path,
            body=body,
            headers={**headers, "Content-Type": "application/json", "User-Agent": USER_AGENT},
        )
        response = connection.getresponse()
        response.read(MAX_RESPONSE_BYTES)
        return Response(
            status_code=response.status,
            latency_ms=_elapsed_ms(started),
            retry_after=response.getheader("Retry-After"),
        )
    except TimeoutError:
        return Response(status_code=None, latency_ms=_elapsed_ms(started), error="timeout")
    except (OSError, http.client.HTTPException) as error:
        return Response(status_code=None, latency_ms=_elapsed_ms(started), error=f"{type(error).__name__}: {error}"[:500])
    finally:
        connection.close()


def _elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
