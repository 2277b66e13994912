"""Markdown to HTML that is safe to show: rendered with Python-Markdown, then sanitized.

Raw HTML in the Markdown is allowed through the renderer and then cleaned by nh3 (the
Rust ammonia sanitizer) with a short allow-list: no script, style, iframe or form, no
event handler or style attribute, and links only to http(s), mailto and our own paths.
Links get rel="noopener noreferrer nofollow".
"""

import html

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "em", "h2", "h3", "h4", "h5", "h6", "hr",
    "i", "img", "li", "ol", "p", "pre", "q", "s", "strong", "sub", "sup", "table", "tbody",
    "td", "th", "thead", "tr", "ul", "figure", "figcaption", "cite", "del", "ins", "dl",
    "dt", "dd",
}
ATTRIBUTES = {
    "a": {"href", "title", "hreflang"},
    "img": {"src", "alt", "title", "width", "height"},
    "abbr": {"title"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto"}


def _only_local_images(tag: str, attribute: str, value: str) -> str | None:
    # Images come from our own media only: a remote image would tell another host who
    # reads the page (and the CSP would block it anyway).
    if tag == "img" and attribute == "src" and not value.startswith("/"):
        return None
    if value.startswith("//"):  # protocol-relative: another host
        return None
    return value


def render(text: str) -> SafeString:
    rendered = markdown.markdown(
        text or "", extensions=["extra", "sane_lists"], output_format="html"
    )
    clean = nh3.clean(
        rendered,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        attribute_filter=_only_local_images,
        strip_comments=True,
    )
    return mark_safe(clean)  # noqa: S308 - sanitized by nh3 just above


def plain(text: str) -> str:
    """The text without markup, for mails' text part and feed summaries."""
    return html.unescape(nh3.clean(str(render(text)), tags=set())).strip()
