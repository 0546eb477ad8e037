"""Static file URLs carry a hash of the file's content (`/static/css/app.css?v=1a2b3c4d5e6f`).

A changed file gets a new URL, so nginx may tell browsers to keep every versioned static file
for a year (`deploy/nginx-cxacademy.conf`) and a release is still picked up at once. The hash
is computed once per file version (path, size and modification time) in each process; nothing
else about it is kept.
"""
from __future__ import annotations

import hashlib
import os
from functools import lru_cache

from flask import Flask


@lru_cache(maxsize=256)
def _digest(path: str, size: int, mtime_ns: int) -> str:
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()[:12]


def static_version(static_folder: str, filename: str) -> str | None:
    """The content hash of a file under the static folder, or None when there is no such file."""
    path = os.path.join(static_folder, filename)
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return _digest(path, stat.st_size, stat.st_mtime_ns)


def register(app: Flask) -> None:
    @app.url_defaults
    def add_static_version(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values and "v" not in values:
            version = static_version(app.static_folder, values["filename"])
            if version:
                values["v"] = version
