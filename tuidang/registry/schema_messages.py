"""How the schema's errors are worded, in the active language (registry/schema.py).

Errors come as pydantic gives them (a type, a location and a context): the schema's own
rules raise codes, and pydantic's types (a string where a number belongs, a field too
many) have theirs. Each is worded here once, for every channel.
"""

from collections.abc import Mapping

from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def message(error: Mapping) -> str:
    """An error of these models (or of pydantic's own types) in the active language."""
    kind, ctx, loc = error.get("type", ""), error.get("ctx") or {}, tuple(error.get("loc", ()))
    field_name = next((p for p in reversed(loc) if isinstance(p, str)), "")
    custom = _custom_message(kind, ctx)
    if custom is not None:
        return custom
    if kind == "missing":
        if field_name == "display_name":
            return _("Enter a name to display, an alias is fine.")
        if field_name == "organizations":
            return _("Choose at least one organization.")
        if field_name == "consent":
            return _("Submit only for people who asked you to.")
        return _("This field is required.")
    if kind == "literal_error":
        if field_name == "consent":
            return _("Submit only for people who asked you to.")
        return _("Select a valid choice. %(value)s is not one of the available choices.") % {
            "value": str(error.get("input", ""))[:40]}
    if kind == "extra_forbidden":
        return _("This field is not part of the format.")
    if kind in ("string_type", "string_sub_type"):
        return _("Enter text (a JSON string).")
    if kind == "string_unicode":
        return _("Enter valid Unicode text.")
    if kind == "bool_type":
        return _("Enter true or false.")
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return _("Enter a whole number.")
    if kind in ("list_type", "tuple_type"):
        return _("Enter a list.")
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return _("Enter an object.")
    if kind == "too_long" and ctx.get("max_length") is not None:
        limit = int(ctx["max_length"])
        if field_name == "persons":
            return ngettext("A declaration covers at most %(limit)s person.",
                            "A declaration covers at most %(limit)s persons.",
                            limit) % {"limit": limit}
        return ngettext("Give at most %(limit)s item.", "Give at most %(limit)s items.",
                        limit) % {"limit": limit}
    if kind == "too_short" and ctx.get("min_length") is not None:
        if field_name == "persons":
            return _("Add at least one person.")
        limit = int(ctx["min_length"])
        return ngettext("Give at least %(limit)s item.", "Give at least %(limit)s items.",
                        limit) % {"limit": limit}
    if kind in ("greater_than_equal", "greater_than") and "ge" in ctx:
        return _("Enter a number of at least %(limit)s.") % {"limit": ctx["ge"]}
    if kind in ("less_than_equal", "less_than") and "le" in ctx:
        return _("Enter a number of at most %(limit)s.") % {"limit": ctx["le"]}
    return _("Enter a valid value.")


def _custom_message(kind: str, ctx: Mapping) -> str | None:
    if kind == "text_too_long":
        limit = int(ctx["max_length"])
        # Django's own wording, which its catalogues translate.
        return ngettext(
            "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
            "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
            limit) % {"limit_value": limit, "show_value": ctx["length"]}
    texts = {
        "not_plain": lambda: _("Use letters, digits and punctuation only."),
        "not_unicode": lambda: _("Enter valid Unicode text."),
        "name_blank": lambda: _("Enter a name to display, an alias is fine."),
        "name_invisible": lambda: _("A name needs at least one visible letter or digit."),
        "organizations_none": lambda: _("Choose at least one organization."),
        "year_too_early": lambda: _("Enter a number of at least %(limit)s.")
        % {"limit": ctx.get("limit")},
        "year_future": lambda: _("A year of birth cannot be in the future."),
        "country_missing": lambda: _("Choose the country for a person overseas."),
        "country_not_overseas": lambda: _("A country is given only with the region Overseas."),
        "persons_repeated": lambda: _("Each person appears only once in a declaration."),
        "title_without_text": lambda: _("A title needs a statement text."),
    }
    text = texts.get(kind)
    return text() if text is not None else None
