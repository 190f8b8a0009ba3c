"""GridClient.iter_pages against the real team server: every item of a listing, across as
many pages as it takes, or just the first ``limit`` of them."""

from __future__ import annotations

import uuid


def test_iter_pages_follows_the_cursors_to_every_item_and_stops_at_a_limit(sqlite_server):
    # Given carol's five new sessions (among any other tests left her)
    tag = uuid.uuid4().hex[:6]
    names = {f"pg-{tag}-{i}" for i in range(5)}
    with sqlite_server.client("carol") as carol:
        carol.me()
        for name in names:
            carol.register_session(name, url="http://127.0.0.1:2/")
        # When her sessions are listed two at a time
        mine = {
            s.name
            for s in carol.iter_pages(carol.list_sessions, page_size=2)
            if s.name.startswith(f"pg-{tag}-")
        }
        # Then every one of them comes back, from three pages
        assert mine == names
        # and a limit stops the iteration after that many items, cursors or not
        assert len(list(carol.iter_pages(carol.list_sessions, limit=3, page_size=2))) == 3
