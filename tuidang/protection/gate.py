"""The gate every declaration passes before it is stored (abuse resistance).

`check(request)` looks at a submitted declaration form and says whether to refuse it
(with a message for the submitter) or to store it held for a moderator.
"""

from dataclasses import dataclass

from django.http import HttpRequest


@dataclass(frozen=True)
class Verdict:
    refuse: str | None = None  # a message in the user's language; nothing is stored
    status: int = 429
    hold_reason: str = ""  # stored, but held for a moderator with this reason


def check(request: HttpRequest) -> Verdict:
    return Verdict()
