"""What an OPTIONS request is told: the media types an operation reads and writes (its methods are in
the `Allow` header). Not DRF's default, which also sends the view's class name and docstring: notes for
the project's developers, not for API clients, whose documentation is the schema (/api/schema/)."""

from rest_framework.metadata import SimpleMetadata


class MediaTypesMetadata(SimpleMetadata):
    def determine_metadata(self, request, view) -> dict:
        return {
            "renders": [renderer.media_type for renderer in view.renderer_classes],
            "parses": [parser.media_type for parser in view.parser_classes],
        }
