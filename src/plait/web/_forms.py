"""Query strings and request-body forms parsed into Twisted's ``args`` shape.

``args`` maps bytes names to lists of bytes values. Query strings split on ``&`` and ``;``
(as Twisted does), keep blank values, turn ``+`` into a space and percent-decode. Multipart
bodies go through python-multipart, which streams: file parts larger than the spool threshold
land on disk instead of in memory.
"""

from __future__ import annotations

import tempfile
from typing import IO, Any
from urllib.parse import unquote_to_bytes

__all__ = ["FormError", "parse_multipart", "parse_qs", "parse_urlencoded"]


class FormError(ValueError):
    """A request body claimed to be a form but could not be parsed as one."""


def parse_qs(qs: bytes, keep_blank_values: bool = True) -> dict[bytes, list[bytes]]:
    """Parse a query string into ``{name: [values]}``, keeping blank values by default."""
    result: dict[bytes, list[bytes]] = {}
    if not qs:
        return result
    for field in qs.replace(b";", b"&").split(b"&"):
        if not field:
            continue
        name, sep, value = field.partition(b"=")
        if not sep and not keep_blank_values:
            continue
        if not value and not keep_blank_values:
            continue
        if b"+" in name or b"%" in name:
            name = unquote_to_bytes(name.replace(b"+", b" "))
        if b"+" in value or b"%" in value:
            value = unquote_to_bytes(value.replace(b"+", b" "))
        existing = result.get(name)
        if existing is None:
            result[name] = [value]
        else:
            existing.append(value)
    return result


def parse_urlencoded(body: bytes) -> dict[bytes, list[bytes]]:
    """Parse an ``application/x-www-form-urlencoded`` body."""
    return parse_qs(body, keep_blank_values=True)


def _boundary_of(content_type: bytes) -> bytes:
    for param in content_type.split(b";")[1:]:
        key, _, value = param.strip().partition(b"=")
        if key.strip().lower() == b"boundary":
            value = value.strip()
            if len(value) >= 2 and value[:1] == value[-1:] == b'"':
                value = value[1:-1]
            if value:
                return value
    raise FormError("multipart body without a boundary")


def parse_multipart(
    content_type: bytes,
    body: IO[bytes],
    spool_threshold: int = 1024 * 1024,
) -> tuple[dict[bytes, list[bytes]], dict[bytes, list[UploadedFile]]]:
    """Parse a ``multipart/form-data`` body.

    Returns ``(args, files)``: ``args`` holds every part's payload as bytes (Twisted's
    contract), ``files`` the parts that carried a filename, as `UploadedFile` objects whose
    payload stays on disk once it is larger than *spool_threshold*.
    """
    # python-multipart, imported here so that importing plait.web stays fast.
    from python_multipart.multipart import MultipartParser

    boundary = _boundary_of(content_type)
    args: dict[bytes, list[bytes]] = {}
    files: dict[bytes, list[UploadedFile]] = {}
    state: dict[str, Any] = {}

    def on_part_begin() -> None:
        state["headers"] = {}
        state["name"] = None
        state["filename"] = None
        # The file outlives this callback: it becomes an UploadedFile or is closed at part end.
        state["sink"] = tempfile.SpooledTemporaryFile(max_size=spool_threshold)  # noqa: SIM115
        state["size"] = 0

    def on_header_field(data: bytes, start: int, end: int) -> None:
        state["field"] = state.get("field", b"") + data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        state["value"] = state.get("value", b"") + data[start:end]

    def on_header_end() -> None:
        field = state.pop("field", b"").strip().lower()
        value = state.pop("value", b"").strip()
        state["headers"][field] = value
        if field == b"content-disposition":
            params = _disposition_params(value)
            state["name"] = params.get(b"name")
            state["filename"] = params.get(b"filename")

    def on_part_data(data: bytes, start: int, end: int) -> None:
        state["sink"].write(data[start:end])

    def on_part_end() -> None:
        sink = state["sink"]
        name = state["name"]
        if name is None:
            sink.close()
            return
        sink.seek(0)
        payload = sink.read()
        args.setdefault(name, []).append(payload)
        filename = state["filename"]
        if filename is not None:
            sink.seek(0)
            files.setdefault(name, []).append(
                UploadedFile(
                    filename,
                    state["headers"].get(b"content-type", b"application/octet-stream"),
                    sink,
                )
            )
        else:
            sink.close()

    callbacks: dict[str, Any] = {
        "on_part_begin": on_part_begin,
        "on_part_data": on_part_data,
        "on_part_end": on_part_end,
        "on_header_field": on_header_field,
        "on_header_value": on_header_value,
        "on_header_end": on_header_end,
    }
    parser = MultipartParser(boundary, callbacks)  # type: ignore[arg-type]
    try:
        while True:
            chunk = body.read(65536)
            if not chunk:
                break
            parser.write(chunk)
        parser.finalize()
    except Exception as exc:  # python-multipart raises its own hierarchy
        raise FormError(f"malformed multipart body: {exc}") from exc
    return args, files


def _disposition_params(value: bytes) -> dict[bytes, bytes]:
    params: dict[bytes, bytes] = {}
    for part in value.split(b";")[1:]:
        key, _, val = part.strip().partition(b"=")
        val = val.strip()
        if len(val) >= 2 and val[:1] == val[-1:] == b'"':
            val = val[1:-1].replace(b'\\"', b'"')
        params[key.strip().lower()] = val
    return params


class UploadedFile:
    """A file part of a multipart form: its client-side name, its type and its payload."""

    def __init__(self, filename: bytes, contentType: bytes, file: IO[bytes]) -> None:
        self.filename = filename
        self.contentType = contentType
        self.file = file

    def read(self) -> bytes:
        """Return the whole payload."""
        self.file.seek(0)
        return self.file.read()

    def __repr__(self) -> str:
        return f"<UploadedFile {self.filename!r} {self.contentType!r}>"
