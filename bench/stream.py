"""Peak memory of the change feed read from end to end, as another system pages through it.

Run as a subprocess (`python -m bench.stream --events N`) under portal.settings.bench, so that the
peak belongs to this stream alone. Each page is what GET /api/v1/events?after=<cursor>&limit=1000
builds: the selector, the representations, the JSON renderer. tracemalloc gives the peak of Python
allocations during the stream; ru_maxrss the process's peak resident size.
"""

import argparse
import json
import os
import resource
import sys
import time
import tracemalloc

import django

PAGE = 1000


def stream(max_events: int) -> dict:
    # Imported here, not at the top: this module runs as a script, and models load only after django.setup().
    from rest_framework.renderers import JSONRenderer

    from api.representations import event_representation
    from preferences.feed import START, consent_events_page

    renderer = JSONRenderer()
    after, streamed, pages, size = START, 0, 0, 0
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    started = time.perf_counter()
    while streamed < max_events:
        page = consent_events_page(after=after, limit=PAGE)
        if not page.events:
            break
        body = {
            "events": [event_representation(event, personal=True) for event in page.events],
            "next_cursor": str(page.next_position),
            "has_more": page.has_more,
        }
        size += len(renderer.render(body))
        after, streamed, pages = page.next_position, streamed + len(page.events), pages + 1
        if not page.has_more:
            break
    seconds = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "events": streamed,
        "pages": pages,
        "bytes_sent": size,
        "seconds": seconds,
        "tracemalloc_peak_bytes": peak,
        "maxrss_growth_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, required=True)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.bench")
    django.setup()
    json.dump(stream(args.events), sys.stdout)


if __name__ == "__main__":
    main()
