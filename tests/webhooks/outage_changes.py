"""A "web" process for the broker-outage test: make N preference changes for one customer, each in its
own transaction (as N requests would), and print how long each took, as JSON.

    python -m tests.webhooks.outage_changes <customer_id> <count>
"""

import json
import sys
import time

import django


def main(customer_id: int, count: int) -> None:
    django.setup()
    from preferences.changes import preferences_change
    from preferences.domain import ActorType, Source
    from preferences.ledger import ChangeContext
    from preferences.models import Customer

    context = ChangeContext(actor_type=ActorType.API_CLIENT, source=Source.API, actor_id="outage-test")
    timings = []
    for _number in range(count):
        language = "en" if Customer.objects.get(pk=customer_id).language == "fr" else "fr"
        started = time.monotonic()
        customer = preferences_change(
            customer_id=customer_id, changes={"customer.language": language}, context=context
        ).document.customer
        timings.append({"version": customer.version, "seconds": round(time.monotonic() - started, 3)})
    print(json.dumps(timings))


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
