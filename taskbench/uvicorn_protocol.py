"""uvicorn's httptools protocol, reading what gunicorn reads and refusing the rest as problems.

uvicorn answers bytes that httptools cannot parse with a plain-text 400, and reads request lines
of any length and header sections of any size. The registry serves uvicorn with this subclass
(`--http taskbench.uvicorn_protocol:HttpToolsProtocol`), directly and in gunicorn's uvicorn
workers (`taskbench.gunicorn_uvicorn_worker`). It applies gunicorn's limits, as the registry
sets them, so that every server reads the same requests, answers a method outside RFC 9110 with
501 as gunicorn is set to (`taskbench.gunicorn_config`), and answers what it refuses with
problem details like every other error.
"""

from __future__ import annotations

import re
import sys

from httptools import HttpParserInvalidMethodError
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as BaseHttpToolsProtocol

from taskbench.problems import METHODS, problem_response

PROTOCOL = "taskbench.uvicorn_protocol:HttpToolsProtocol"
# gunicorn's limit_request_line (as the registry sets it), limit_request_field_size and
# limit_request_fields.
REQUEST_LINE_LIMIT = 8190
FIELD_SIZE_LIMIT = 8190
FIELD_COUNT_LIMIT = 100
VERSION = b" HTTP/1.1"
IMPLEMENTED = frozenset(method.encode() for method in METHODS)
# A request line whose method is a token (RFC 9110, section 5.6.2): what tells a method the
# parser does not know (501) from bytes that are not HTTP (400).
REQUEST_LINE = re.compile(rb"(?:\A|\r\n)[-!#$%&'*+.^_`|~0-9A-Za-z]+ [^ \r\n]+ HTTP/\d\.\d\r\n")


class RequestRefusedError(Exception):
    """Raised from a parser callback to stop reading a request over a limit."""


class HttpToolsProtocol(BaseHttpToolsProtocol):
    """uvicorn's httptools protocol with gunicorn's limits and problem+json refusals."""

    refused_with = 400
    received = b""

    def data_received(self, data: bytes) -> None:
        """Parse what arrived, keeping it to tell an unknown method from bytes that are not HTTP."""
        self.received = data
        super().data_received(data)

    def on_url(self, url: bytes) -> None:
        """Collect the target; refuse a method outside RFC 9110 with 501, a long line with 414."""
        super().on_url(url)
        if self.parser.get_method() not in IMPLEMENTED:
            self.refused_with = 501
            raise RequestRefusedError
        line = len(self.parser.get_method()) + 1 + len(self.url) + len(VERSION)
        if line > REQUEST_LINE_LIMIT:
            self.refused_with = 414
            raise RequestRefusedError

    def on_header(self, name: bytes, value: bytes) -> None:
        """Collect a header field; refuse one too many or too large with 431."""
        if len(self.headers) >= FIELD_COUNT_LIMIT or len(name) + 2 + len(value) > FIELD_SIZE_LIMIT:
            self.refused_with = 431
            raise RequestRefusedError
        super().on_header(name, value)

    def send_400_response(self, msg: str) -> None:
        """Answer a request that was refused or cannot be parsed with a problem, then close."""
        status = self.refused_with
        # Called while the parser's error is handled: a method it does not know is no 400.
        if isinstance(sys.exc_info()[1], HttpParserInvalidMethodError) and REQUEST_LINE.search(
            self.received
        ):
            status = 501
        self.transport.write(problem_response(status))
        self.transport.close()
