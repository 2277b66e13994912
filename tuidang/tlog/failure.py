"""The auditor's failures: each names a file and who is at fault.

An audit reads a log through a copy nobody vouches for. A failure therefore says whether
the *source* (the server or directory read) misbehaved — a different copy of the same
log may well be fine — or the *log* itself is wrong: data that the log's key signed, or
that hashes up to a root it signed, breaks the rules. Only verified data can convict the
log. ``input`` marks a file or option given on the command line.
"""

from __future__ import annotations

__all__ = ["AuditError", "InputError", "LogError", "SourceError"]


class AuditError(Exception):
    """The audit failed; ``path`` names the first bad (or missing) file, ``blame`` says
    who is at fault (``source``, ``log`` or ``input``)."""

    blame = "input"

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message

    def line(self) -> str:
        """The one line the command prints: ``FAIL <file>: <reason> [<blame>]``."""
        text = " ".join(f"FAIL {self} [{self.blame}]".split())  # never more than one line
        return text if len(text) <= 1000 else text[:996] + " ..."


class InputError(AuditError):
    """A file or option given to the auditor is missing or malformed."""

    blame = "input"


class SourceError(AuditError):
    """The source misbehaved: unreachable, too slow, too large, malformed, or serving
    data that does not hash up to the signed checkpoint."""

    blame = "source"


class LogError(AuditError):
    """The log is wrong: signed or hash-verified data breaks the log's rules (a wrong
    tally, a bad entry, a fork from an older checkpoint)."""

    blame = "log"
