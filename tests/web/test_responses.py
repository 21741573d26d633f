from __future__ import annotations

from plait.web import _responses as r


def test_constants_and_phrases() -> None:
    assert (r.OK, r.NOT_FOUND, r.IM_A_TEAPOT, r.PERMANENT_REDIRECT) == (200, 404, 418, 308)
    assert r.REQUEST_HEADER_FIELDS_TOO_LARGE == 431
    assert r.UNPROCESSABLE_CONTENT == 422
    assert r.RESPONSES[413] == b"Content Too Large"
    assert r.RESPONSES[408] == b"Request Timeout"
    assert r.RESPONSES[205] == b"Reset Content"
    for code in (100, 101, 102, 103, 421, 422, 425, 426, 428, 429, 431, 451, 511):
        assert code in r.RESPONSES
    assert r.NO_BODY_CODES == (204, 304)
    assert isinstance(r.CACHED, str)


def test_every_twisted_name_exists() -> None:
    names = [
        "ACCEPTED",
        "BAD_GATEWAY",
        "BAD_REQUEST",
        "CONFLICT",
        "CREATED",
        "EXPECTATION_FAILED",
        "FORBIDDEN",
        "FOUND",
        "GATEWAY_TIMEOUT",
        "GONE",
        "HTTP_VERSION_NOT_SUPPORTED",
        "IM_A_TEAPOT",
        "INSUFFICIENT_STORAGE_SPACE",
        "INTERNAL_SERVER_ERROR",
        "LENGTH_REQUIRED",
        "MOVED_PERMANENTLY",
        "MULTIPLE_CHOICE",
        "MULTI_STATUS",
        "NON_AUTHORITATIVE_INFORMATION",
        "NOT_ACCEPTABLE",
        "NOT_ALLOWED",
        "NOT_EXTENDED",
        "NOT_FOUND",
        "NOT_IMPLEMENTED",
        "NOT_MODIFIED",
        "NO_CONTENT",
        "OK",
        "PARTIAL_CONTENT",
        "PAYMENT_REQUIRED",
        "PERMANENT_REDIRECT",
        "PRECONDITION_FAILED",
        "PROXY_AUTH_REQUIRED",
        "REQUESTED_RANGE_NOT_SATISFIABLE",
        "REQUEST_ENTITY_TOO_LARGE",
        "REQUEST_TIMEOUT",
        "REQUEST_URI_TOO_LONG",
        "RESET_CONTENT",
        "SEE_OTHER",
        "SERVICE_UNAVAILABLE",
        "SWITCHING",
        "TEMPORARY_REDIRECT",
        "UNAUTHORIZED",
        "UNSUPPORTED_MEDIA_TYPE",
        "USE_PROXY",
        "_CONTINUE",
    ]
    for name in names:
        code = getattr(r, name)
        assert code in r.RESPONSES, name
    phrases = r.RESPONSES.values()
    assert all(p.isascii() and b"\r" not in p and b"\n" not in p for p in phrases)
