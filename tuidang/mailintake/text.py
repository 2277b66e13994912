"""A received mail as what a helper may read: its subject and body as plain text.

The body is the mail's text/plain part or, failing that, its HTML part with every tag
stripped by nh3 (the HTML sanitizer the project already keeps for the news): scripts,
styles, images and links go, only their words stay. Attachments and inline images are
dropped unread, only counted. Headers other than the subject and the sender are never
kept (Date and Received would give the time of day), and the sender is handed back to
be sealed at once (mailintake/actions.py).
"""

import email
import email.policy
import html
import re
from dataclasses import dataclass
from email.message import EmailMessage

import nh3

MAX_SUBJECT_LENGTH = 200  # the draft's column
# Tags whose end starts a new line; nh3 writes them back in one canonical spelling.
_BLOCK_TAGS = {"p", "br", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6",
               "blockquote", "pre", "hr", "table", "ul", "ol"}
_LINE_ENDS = re.compile(r"<br>|<hr>|</(?:p|div|li|tr|h[1-6]|blockquote|pre|table|ul|ol)>")
# Control characters a page must not show: all but the tab and the line feed.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_BLANK_LINES = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")


@dataclass(frozen=True)
class Mail:
    subject: str
    text: str
    sender: str  # the From header as written, display name and all: to be sealed
    attachments_dropped: int


def html_to_text(markup: str) -> str:
    """The words of an HTML body, a line per paragraph, line break or list item."""
    # First nh3 parses the markup as a browser would and keeps only block tags without
    # attributes, so the line ends below are found in well-formed, canonical markup;
    # then it drops those too, with the content of scripts and styles.
    blocks = nh3.clean(markup, tags=_BLOCK_TAGS, attributes={}, strip_comments=True,
                       link_rel=None)
    return html.unescape(nh3.clean(_LINE_ENDS.sub("\n", blocks), tags=set()))


def plain(text: str) -> str:
    """Text safe to show as it is: no control characters, no runs of blank lines."""
    text = _CONTROLS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", text).strip()


def _content(part: EmailMessage) -> str:
    try:
        return part.get_content()
    except (LookupError, UnicodeError, ValueError, AssertionError):
        # An unknown or lying charset: the bytes as UTF-8, with what is not replaced.
        payload = part.get_payload(decode=True) or b""
        return payload.decode("utf-8", errors="replace")


def _is_attachment(part: EmailMessage, body: EmailMessage | None) -> bool:
    if part.is_multipart() or part is body:
        return False
    if part.is_attachment():
        return True
    # The other half of the body's multipart/alternative is not an attachment.
    return part.get_content_maintype() != "text"


def read(raw: bytes) -> Mail:
    """The parts of a mail kept for a helper, from its bytes as received."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    try:
        subject = str(message.get("subject", ""))
        sender = str(message.get("from", ""))
    except (ValueError, IndexError, AttributeError):  # a header the parser cannot read
        subject, sender = "", ""
    body = message.get_body(preferencelist=("plain", "html"))
    text = ""
    if body is not None:
        text = _content(body)
        if body.get_content_subtype() == "html":
            text = html_to_text(text)
    dropped = sum(1 for part in message.walk() if _is_attachment(part, body))
    return Mail(subject=plain(subject).replace("\n", " ")[:MAX_SUBJECT_LENGTH],
                text=plain(text), sender=sender, attachments_dropped=min(dropped, 32767))
