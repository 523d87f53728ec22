"""The bodies of the files a delivery channel writes: gzip-compressed JSON documents.

    history   {"fileVersion": "1.0", "configurationItems": [...]}
    snapshot  {"fileVersion": "1.0", "configSnapshotId": "<uuid>", "configurationItems": [...]}

Items are in the record format (roost.formats.item_record). A file is written item by item into a
spooled temporary file, so a snapshot of a large account never has to fit in memory at once.
"""

from __future__ import annotations

import gzip
import json
import tempfile
from typing import IO, Any

FILE_VERSION = "1.0"

#: Files up to this size stay in memory; larger ones spill to a temporary file on disk.
_SPOOL_BYTES = 8 * 1024 * 1024


def encode_json(value: Any) -> bytes:
    """Compact UTF-8 JSON, as roost writes every delivered document."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def gzip_json(value: Any) -> bytes:
    return gzip.compress(encode_json(value), mtime=0)


class ItemsFile:
    """A gzip JSON document of header fields plus a `configurationItems` list, built item by item.

    with ItemsFile({"fileVersion": "1.0"}) as file:
        file.add(item_record(item))
        body = file.finish()      # a readable file object positioned at 0
    """

    def __init__(self, header: dict[str, Any]) -> None:
        # Closed by close() / __exit__: the file outlives this constructor by design.
        self._spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)  # noqa: SIM115
        self._gzip = gzip.GzipFile(fileobj=self._spool, mode="wb", mtime=0)
        opening = encode_json(header)[:-1]  # the header object without its closing brace
        self._gzip.write(opening + (b',"configurationItems":[' if header else b'"configurationItems":['))
        self.count = 0

    def add(self, record: dict[str, Any]) -> None:
        if self.count:
            self._gzip.write(b",")
        self._gzip.write(encode_json(record))
        self.count += 1

    def finish(self) -> IO[bytes]:
        self._gzip.write(b"]}")
        self._gzip.close()
        self._spool.seek(0)
        return self._spool

    def close(self) -> None:
        if not self._gzip.closed:
            self._gzip.close()
        self._spool.close()

    def __enter__(self) -> ItemsFile:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def history_header() -> dict[str, Any]:
    return {"fileVersion": FILE_VERSION}


def snapshot_header(snapshot_id: str) -> dict[str, Any]:
    return {"fileVersion": FILE_VERSION, "configSnapshotId": snapshot_id}
