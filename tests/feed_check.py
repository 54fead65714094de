"""Reads an Atom document on stdin with feedparser (PyPI), as a feed reader would, and prints
what it understood as JSON: whether it found a problem (bozo), the feed's required elements
and each entry's id, title, link, dates and categories."""

import json
import sys

import feedparser

parsed = feedparser.parse(sys.stdin.buffer.read())
feed = parsed.feed
print(json.dumps({
    "bozo": int(parsed.bozo),
    "problem": str(parsed.get("bozo_exception", "")),
    "version": parsed.version,
    "feed": {
        "id": feed.get("id"),
        "title": feed.get("title"),
        "updated": feed.get("updated"),
        "author": feed.get("author"),
        "link": feed.get("link"),
    },
    "entries": [
        {
            "id": e.get("id"),
            "title": e.get("title"),
            "link": e.get("link"),
            "updated": e.get("updated"),
            "published": e.get("published"),
            "author": e.get("author"),
            "summary": e.get("summary"),
            "categories": [{"term": t.get("term"), "label": t.get("label")} for t in e.get("tags", [])],
        }
        for e in parsed.entries
    ],
}, ensure_ascii=False))
