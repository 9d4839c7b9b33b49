"""`casework inbox digest`: each person's daily digest of new inbox items, content-free, once a
day, through the outbox (docs/OPERATIONS.md, "The inbox and its digest")."""

from __future__ import annotations

import re

from tests.test_cli import casework, instance, mail_sink  # noqa: F401  (instance: a fixture)


def test_the_digest_tells_each_person_once_a_day_with_a_count_only(instance):  # noqa: F811
    casework(instance, "db", "upgrade")
    shown = casework(instance, "demo").stdout
    references = set(re.findall(r"CW-[A-Z0-9]{8}", shown))
    with mail_sink(instance) as (sink, mailing):
        first = casework(mailing, "inbox", "digest").stdout
        found = re.fullmatch(r"digests: (\d+) people told of (\d+) new items; emails: (\d+) "
                             r"sent, 0 retrying, 0 failed, 0 dropped\n", first)
        assert found and int(found[1]) > 0 and int(found[2]) >= int(found[1]), first
        again = casework(mailing, "inbox", "digest").stdout
        assert again.startswith("digests: 0 people told of 0 new items;"), again
    digests = [m.get_body().get_content() for _, m, _ in sink.received
               if m["Subject"] == "Casework: your daily summary"]
    assert len(digests) == int(found[1])
    for text in digests:
        assert re.search(r"You have \d+ new items? in Casework", text)
        assert "/staff/inbox" in text
        assert not any(ref in text for ref in references)
