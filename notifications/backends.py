"""Development email backend: print every message and keep a copy in .mail/ (nothing is lost)."""

from django.conf import settings
from django.core.mail.backends.console import EmailBackend as ConsoleBackend
from django.core.mail.backends.filebased import EmailBackend as FileBackend


class ConsoleAndFileEmailBackend(FileBackend):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("file_path", str(settings.MAIL_DIR))
        super().__init__(*args, **kwargs)
        self._console = ConsoleBackend(*args, **{k: v for k, v in kwargs.items() if k != "file_path"})

    def send_messages(self, email_messages):
        self._console.send_messages(email_messages)
        return super().send_messages(email_messages)
