"""Problem details for the errors an HTTP server answers itself, before any framework runs.

gunicorn and uvicorn refuse a request they cannot parse (a request line or header section over
their limits, bytes that are not HTTP) on their own: gunicorn with an HTML page, uvicorn with
plain text. The contract wants every error as problem details, so the registry serves both
servers with the small hooks in `gunicorn_config` and `uvicorn_protocol`, which answer through
this module: the same bytes for every framework behind the same server. Both also answer a
method they do not implement (501) and a target that is not a path (400) alike.
"""

from __future__ import annotations

import json

# The methods HTTP defines for any resource: RFC 9110's, PATCH (RFC 5789) and QUERY (the HTTP
# working group's safe method with a body, draft-ietf-httpbis-safe-method-w-body), which clients
# and tools now send. A path that does not serve one answers 405; the HTTP servers answer any
# other method with 501, since uvicorn's parser refuses methods it does not know before any
# framework could.
METHODS = frozenset(
    ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "QUERY"]
)

# RFC 9110 reason phrases (RFC 6585 for 431), as the contract spells them.
TITLES = {
    400: "Bad Request",
    403: "Forbidden",
    414: "URI Too Long",
    417: "Expectation Failed",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    501: "Not Implemented",
}
DETAILS = {
    400: "The request cannot be parsed as HTTP/1.1.",
    414: "The request line is longer than the server reads.",
    431: "The request's header fields are larger than the server reads.",
    500: "The server could not answer this request.",
    501: "The server does not implement this method.",
}


def title(status: int) -> str:
    """The reason phrase of a status (a generic one for a status the table does not name)."""
    return TITLES.get(status, "Bad Request" if 400 <= status < 500 else "Internal Server Error")


def problem_body(status: int, detail: str = "") -> bytes:
    """The problem details document of a status, as JSON bytes."""
    return json.dumps(
        {
            "type": "about:blank",
            "title": title(status),
            "status": status,
            "detail": detail.strip() or DETAILS.get(status, "The server refused the request."),
        },
        ensure_ascii=True,
    ).encode("ascii")


def problem_response(status: int, detail: str = "") -> bytes:
    """A complete HTTP/1.1 response carrying a problem, after which the connection closes."""
    body = problem_body(status, detail)
    head = (
        f"HTTP/1.1 {status} {title(status)}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/problem+json\r\n"
        "X-Content-Type-Options: nosniff\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("ascii") + body
