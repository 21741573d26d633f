"""HTTP/1.x: requests, the channel, the factory, status codes and helpers.

The public face of Twisted's ``twisted.web.http``; the work is done in small private
modules (`_h1` for the wire rules, `_channel` for the asyncio glue, `_request` for the
request object).
"""

from __future__ import annotations

from plait.web._accesslog import combinedLogFormatter, proxiedLogFormatter
from plait.web._channel import HTTPChannel
from plait.web._date import datetimeToLogString, datetimeToString, stringToDatetime, timegm
from plait.web._factory import HTTPFactory
from plait.web._forms import parse_qs
from plait.web._http_helpers import fromChunk, parseContentRange, toChunk, urlparse
from plait.web._limits import Limits
from plait.web._request import Request
from plait.web._responses import (
    ACCEPTED as ACCEPTED,
)
from plait.web._responses import (
    BAD_GATEWAY as BAD_GATEWAY,
)
from plait.web._responses import (
    BAD_REQUEST as BAD_REQUEST,
)
from plait.web._responses import CACHED, NO_BODY_CODES, RESPONSES
from plait.web._responses import (
    CONFLICT as CONFLICT,
)
from plait.web._responses import (
    CONTINUE as CONTINUE,
)
from plait.web._responses import (
    CREATED as CREATED,
)
from plait.web._responses import (
    EARLY_HINTS as EARLY_HINTS,
)
from plait.web._responses import (
    EXPECTATION_FAILED as EXPECTATION_FAILED,
)
from plait.web._responses import (
    FORBIDDEN as FORBIDDEN,
)
from plait.web._responses import (
    FOUND as FOUND,
)
from plait.web._responses import (
    GATEWAY_TIMEOUT as GATEWAY_TIMEOUT,
)
from plait.web._responses import (
    GONE as GONE,
)
from plait.web._responses import (
    HTTP_VERSION_NOT_SUPPORTED as HTTP_VERSION_NOT_SUPPORTED,
)
from plait.web._responses import (
    IM_A_TEAPOT as IM_A_TEAPOT,
)
from plait.web._responses import (
    INSUFFICIENT_STORAGE_SPACE as INSUFFICIENT_STORAGE_SPACE,
)
from plait.web._responses import (
    INTERNAL_SERVER_ERROR as INTERNAL_SERVER_ERROR,
)
from plait.web._responses import (
    LENGTH_REQUIRED as LENGTH_REQUIRED,
)
from plait.web._responses import (
    MISDIRECTED_REQUEST as MISDIRECTED_REQUEST,
)
from plait.web._responses import (
    MOVED_PERMANENTLY as MOVED_PERMANENTLY,
)
from plait.web._responses import (
    MULTI_STATUS as MULTI_STATUS,
)
from plait.web._responses import (
    MULTIPLE_CHOICE as MULTIPLE_CHOICE,
)
from plait.web._responses import (
    NETWORK_AUTHENTICATION_REQUIRED as NETWORK_AUTHENTICATION_REQUIRED,
)
from plait.web._responses import (
    NO_CONTENT as NO_CONTENT,
)
from plait.web._responses import (
    NON_AUTHORITATIVE_INFORMATION as NON_AUTHORITATIVE_INFORMATION,
)
from plait.web._responses import (
    NOT_ACCEPTABLE as NOT_ACCEPTABLE,
)
from plait.web._responses import (
    NOT_ALLOWED as NOT_ALLOWED,
)
from plait.web._responses import (
    NOT_EXTENDED as NOT_EXTENDED,
)
from plait.web._responses import (
    NOT_FOUND as NOT_FOUND,
)
from plait.web._responses import (
    NOT_IMPLEMENTED as NOT_IMPLEMENTED,
)
from plait.web._responses import (
    NOT_MODIFIED as NOT_MODIFIED,
)
from plait.web._responses import (
    OK as OK,
)
from plait.web._responses import (
    PARTIAL_CONTENT as PARTIAL_CONTENT,
)
from plait.web._responses import (
    PAYMENT_REQUIRED as PAYMENT_REQUIRED,
)
from plait.web._responses import (
    PERMANENT_REDIRECT as PERMANENT_REDIRECT,
)
from plait.web._responses import (
    PRECONDITION_FAILED as PRECONDITION_FAILED,
)
from plait.web._responses import (
    PRECONDITION_REQUIRED as PRECONDITION_REQUIRED,
)
from plait.web._responses import (
    PROCESSING as PROCESSING,
)
from plait.web._responses import (
    PROXY_AUTH_REQUIRED as PROXY_AUTH_REQUIRED,
)
from plait.web._responses import (
    REQUEST_ENTITY_TOO_LARGE as REQUEST_ENTITY_TOO_LARGE,
)
from plait.web._responses import (
    REQUEST_HEADER_FIELDS_TOO_LARGE as REQUEST_HEADER_FIELDS_TOO_LARGE,
)
from plait.web._responses import (
    REQUEST_TIMEOUT as REQUEST_TIMEOUT,
)
from plait.web._responses import (
    REQUEST_URI_TOO_LONG as REQUEST_URI_TOO_LONG,
)
from plait.web._responses import (
    REQUESTED_RANGE_NOT_SATISFIABLE as REQUESTED_RANGE_NOT_SATISFIABLE,
)
from plait.web._responses import (
    RESET_CONTENT as RESET_CONTENT,
)
from plait.web._responses import (
    SEE_OTHER as SEE_OTHER,
)
from plait.web._responses import (
    SERVICE_UNAVAILABLE as SERVICE_UNAVAILABLE,
)
from plait.web._responses import (
    SWITCHING as SWITCHING,
)
from plait.web._responses import (
    TEMPORARY_REDIRECT as TEMPORARY_REDIRECT,
)
from plait.web._responses import (
    TOO_EARLY as TOO_EARLY,
)
from plait.web._responses import (
    TOO_MANY_REQUESTS as TOO_MANY_REQUESTS,
)
from plait.web._responses import (
    UNAUTHORIZED as UNAUTHORIZED,
)
from plait.web._responses import (
    UNAVAILABLE_FOR_LEGAL_REASONS as UNAVAILABLE_FOR_LEGAL_REASONS,
)
from plait.web._responses import (
    UNPROCESSABLE_CONTENT as UNPROCESSABLE_CONTENT,
)
from plait.web._responses import (
    UNPROCESSABLE_ENTITY as UNPROCESSABLE_ENTITY,
)
from plait.web._responses import (
    UNSUPPORTED_MEDIA_TYPE as UNSUPPORTED_MEDIA_TYPE,
)
from plait.web._responses import (
    UPGRADE_REQUIRED as UPGRADE_REQUIRED,
)
from plait.web._responses import (
    USE_PROXY as USE_PROXY,
)

__all__ = [
    "ACCEPTED",
    "BAD_GATEWAY",
    "BAD_REQUEST",
    "CACHED",
    "CONFLICT",
    "CONTINUE",
    "CREATED",
    "EARLY_HINTS",
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
    "MISDIRECTED_REQUEST",
    "MOVED_PERMANENTLY",
    "MULTIPLE_CHOICE",
    "MULTI_STATUS",
    "NETWORK_AUTHENTICATION_REQUIRED",
    "NON_AUTHORITATIVE_INFORMATION",
    "NOT_ACCEPTABLE",
    "NOT_ALLOWED",
    "NOT_EXTENDED",
    "NOT_FOUND",
    "NOT_IMPLEMENTED",
    "NOT_MODIFIED",
    "NO_BODY_CODES",
    "NO_CONTENT",
    "OK",
    "PARTIAL_CONTENT",
    "PAYMENT_REQUIRED",
    "PERMANENT_REDIRECT",
    "PRECONDITION_FAILED",
    "PRECONDITION_REQUIRED",
    "PROCESSING",
    "PROXY_AUTH_REQUIRED",
    "REQUESTED_RANGE_NOT_SATISFIABLE",
    "REQUEST_ENTITY_TOO_LARGE",
    "REQUEST_HEADER_FIELDS_TOO_LARGE",
    "REQUEST_TIMEOUT",
    "REQUEST_URI_TOO_LONG",
    "RESET_CONTENT",
    "RESPONSES",
    "SEE_OTHER",
    "SERVICE_UNAVAILABLE",
    "SWITCHING",
    "TEMPORARY_REDIRECT",
    "TOO_EARLY",
    "TOO_MANY_REQUESTS",
    "UNAUTHORIZED",
    "UNAVAILABLE_FOR_LEGAL_REASONS",
    "UNPROCESSABLE_CONTENT",
    "UNPROCESSABLE_ENTITY",
    "UNSUPPORTED_MEDIA_TYPE",
    "UPGRADE_REQUIRED",
    "USE_PROXY",
    "HTTPChannel",
    "HTTPFactory",
    "Limits",
    "PotentialDataLoss",
    "Request",
    "combinedLogFormatter",
    "datetimeToLogString",
    "datetimeToString",
    "fromChunk",
    "parseContentRange",
    "parse_qs",
    "proxiedLogFormatter",
    "responses",
    "stringToDatetime",
    "timegm",
    "toChunk",
    "urlparse",
]

responses = RESPONSES
"""Twisted's older name for `RESPONSES`."""


class PotentialDataLoss(Exception):
    """A response body ended without a length: it may have been cut short."""
