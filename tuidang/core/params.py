"""Numbers read from a query string, strictly.

`str.isdigit()` is true for superscripts and other digits that `int()` refuses ("²"),
and a number of any length overflows the database's integers; a page's `?before=` or
`?after=` is a serial, so only ASCII digits, and not more of them than a 64-bit
integer holds, make one. Anything else is a page that does not exist.
"""

from django.http import Http404, HttpRequest

MAX_DIGITS = 18  # below 2**63 - 1, the largest integer SQLite and PostgreSQL keep


def serial(text: str) -> int | None:
    """The serial `text` spells in ASCII digits, or None if it spells none."""
    if not (0 < len(text) <= MAX_DIGITS and text.isascii() and text.isdigit()):
        return None
    return int(text)


def page_serial(request: HttpRequest, name: str) -> int | None:
    """The serial in the query parameter `name`; None if absent, 404 if it is not one."""
    value = request.GET.get(name)
    if value is None:
        return None
    number = serial(value)
    if number is None:
        raise Http404(f"{name}= takes a serial number")
    return number
