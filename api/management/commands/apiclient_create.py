"""Create an API client from the shell: `manage.py apiclient_create NAME --scope S [--scope S…]`.

Prints the key once, on a line of its own, as `api-key: KEY`.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from api.models import ApiClient, Scope
from api.services import api_client_create


class Command(BaseCommand):
    help = "Create an API client with the given scopes and print its first key (shown only this once)."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument(
            "--scope", action="append", dest="scopes", required=True, choices=Scope.values, help="Repeat for each scope."
        )

    def handle(self, *args, name: str, scopes: list[str], **options):
        if ApiClient.objects.filter(name=name).exists():
            raise CommandError(f"An API client named {name!r} already exists.")
        try:
            client, key = api_client_create(name=name, scopes=scopes)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stderr.write(f"Client {client.name} created with scopes {', '.join(client.scopes)}. Keep the key: it is shown once.")
        self.stdout.write(f"api-key: {key}")
