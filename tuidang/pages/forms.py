from django import forms
from django.utils.translation import gettext_lazy as _

from tuidang.pages.models import Entry


class EntryForm(forms.ModelForm):
    class Meta:
        model = Entry
        fields = ["kind", "order", "published", "title_zh_hans", "body_zh_hans",
                  "title_zh_hant", "body_zh_hant", "title_en", "body_en"]
        labels = {
            "kind": _("Kind"), "order": _("Order (smaller comes first)"),
            "published": _("Show on the public page"),
            "title_zh_hans": _("Question or name (simplified Chinese)"),
            "body_zh_hans": _("Answer or details (simplified Chinese)"),
            "title_zh_hant": _("Question or name (traditional Chinese)"),
            "body_zh_hant": _("Answer or details (traditional Chinese)"),
            "title_en": _("Question or name (English)"),
            "body_en": _("Answer or details (English)"),
        }
        help_texts = {
            "body_zh_hans": _("Plain text: a blank line starts a new paragraph. A language "
                              "left empty shows the text of another."),
        }
        widgets = {f"body_{code}": forms.Textarea(attrs={"rows": 6})
                   for code in ("zh_hans", "zh_hant", "en")}

    def clean(self) -> dict:
        data = super().clean()
        if not any(data.get(f"title_{code}") for code in ("zh_hans", "zh_hant", "en")):
            self.add_error("title_zh_hans", _("Write the question or name in one language "
                                              "at least."))
        return data
