"""Real HTTP receivers on 127.0.0.1 (http.server in a thread) and endpoints made through the services."""

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from standardwebhooks import Webhook

from preferences.customers import customer_upsert
from preferences.domain import ActorType, Source
from preferences.ledger import ChangeContext
from tests.api.conftest import make_api  # noqa: F401 (the API fixtures, for test_api)
from webhooks.endpoints import webhook_endpoint_create
from webhooks.relay import webhooks_redrive


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    at: float

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]

    def verified(self, secret: str) -> dict:
        """The payload, once the signature checks out (raises WebhookVerificationError otherwise)."""
        return Webhook(secret).verify(self.body, self.headers)


@dataclass
class Receiver:
    """Answers each POST with the next planned (status, headers), then with `default`."""

    url: str = ""
    default: tuple[int, dict] = (200, {})
    plan: list[tuple[int, dict]] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, headers: dict[str, str], body: bytes) -> tuple[int, dict]:
        with self.lock:
            self.received.append(Received(headers=headers, body=body, at=time.monotonic()))
            return self.plan.pop(0) if self.plan else self.default

    def payloads(self, secret: str) -> list[dict]:
        with self.lock:
            return [item.verified(secret) for item in self.received]


def _handler_for(receiver: Receiver):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            status, headers = receiver.answer({k.lower(): v for k, v in self.headers.items()}, body)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    return Handler


@pytest.fixture
def receiver():
    receiver = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(receiver))
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    server.shutdown()
    server.server_close()


ALL_TYPES = [
    "customer.preferences_changed",
    "customer.created",
    "customer.erased",
    "contact_request.created",
    "contact_request.changed",
]


@pytest.fixture
def endpoint(db, receiver):
    """(endpoint, secret) for the receiver, every event type, created by a supervisor (no owner)."""
    return webhook_endpoint_create(url=receiver.url, event_types=ALL_TYPES)


def make_customer(external_id: str = "CRM-1", **fields):
    values = {"email": "camille@example.com", "email_verified": True, "language": "en", **fields}
    customer, _created = customer_upsert(
        context=ChangeContext(actor_type=ActorType.SYSTEM, source=Source.IMPORT), external_id=external_id, **values
    )
    return customer


def system_context() -> ChangeContext:
    return ChangeContext(actor_type=ActorType.SYSTEM, source=Source.SYSTEM)


@pytest.fixture
def fast_retries(settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 0.05
    return settings


def drive_until(condition, *, capture, timeout: float = 10.0) -> None:
    """Run the beat job (as beat would) until `condition()` holds, committing its callbacks each time."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the condition did not hold in time"
        time.sleep(0.05)
        with capture(execute=True):
            webhooks_redrive()
