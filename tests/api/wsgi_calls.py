"""Calling a WSGI application as a server would, for the tests of api.fast_path: one request in, its
status, headers and body out; Django's application counting the requests it answers."""

import io
import sys

from django.core.handlers.wsgi import WSGIHandler

PER_ANSWER = {"date", "expires", "ratelimit"}  # the clock and the count: they differ between two answers anyway


class CountingDjango:
    """Django's WSGI application, counting the requests it answers."""

    def __init__(self):
        self.handler = WSGIHandler()
        self.calls = 0

    def __call__(self, environ, start_response):
        self.calls += 1
        return self.handler(environ, start_response)


def call(app, path: str, *, key: str | None = None, method: str = "GET", query: str = "", scheme: str = "http",
         host: str = "testserver", body: bytes | None = None, content_type: str = "application/json",
         remote_addr: str = "192.0.2.44", script_name: str = "", **headers: str):
    """(status, headers by lower-case name, body) of one request through a WSGI application."""
    environ = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query, "SCRIPT_NAME": script_name,
        "SERVER_NAME": "testserver", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": host,
        "wsgi.url_scheme": scheme, "wsgi.input": io.BytesIO(body or b""), "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0), "wsgi.multithread": False, "wsgi.multiprocess": True, "wsgi.run_once": False,
        "REMOTE_ADDR": remote_addr,
    }
    if body is not None:
        environ.update(CONTENT_LENGTH=str(len(body)), CONTENT_TYPE=content_type)
    if key is not None:
        environ["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    environ.update({f"HTTP_{name.upper()}": value for name, value in headers.items()})
    answer = {}

    def start_response(status, response_headers, exc_info=None):
        answer.update(status=int(status.split()[0]), headers={name.lower(): value for name, value in response_headers})

    iterable = app(environ, start_response)
    body = b"".join(iterable)
    if hasattr(iterable, "close"):
        iterable.close()  # Django's answer sends request_finished here, as a server does
    return answer["status"], answer["headers"], body


def same_answer(mine, django_answer) -> None:
    (status, headers, body), (django_status, django_headers, django_body) = mine, django_answer
    assert (status, body) == (django_status, django_body)
    assert {k: v for k, v in headers.items() if k not in PER_ANSWER} == {
        k: v for k, v in django_headers.items() if k not in PER_ANSWER
    }
    assert headers.keys() == django_headers.keys()
