from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from tuidang.news.models import Article, PublicStatement


class ArticleForm(forms.ModelForm):
    cover_upload = forms.ImageField(
        label=_("Cover image"), required=False,
        help_text=_("JPEG, PNG, WebP or GIF; we store it at a few widths without metadata."),
    )
    remove_cover = forms.BooleanField(label=_("Remove the cover image"), required=False)

    class Meta:
        model = Article
        fields = ["language", "slug", "title", "summary", "author", "publish_on", "body",
                  "cover_alt"]
        labels = {
            "language": _("Language"), "slug": _("Address (slug)"), "title": _("Title"),
            "summary": _("Summary"), "author": _("Author"),
            "publish_on": _("Publication date"), "body": _("Text (Markdown)"),
            "cover_alt": _("Cover image description"),
        }
        help_texts = {
            "slug": _("Latin letters, digits and hyphens: /news/<slug>/"),
            "publish_on": _("YYYY-MM-DD. A date to come schedules the article."),
        }
        widgets = {
            "publish_on": forms.DateInput(attrs={"type": "date"}),
            "summary": forms.Textarea(attrs={"rows": 3}),
            "body": forms.Textarea(attrs={"rows": 20}),
        }

    def clean(self):
        data = super().clean()
        language, slug = data.get("language"), data.get("slug")
        if language and slug:
            clash = Article.objects.filter(language=language, slug=slug)
            if self.instance.pk:
                clash = clash.exclude(pk=self.instance.pk)
            if clash.exists():
                self.add_error("slug", _("Another article in this language has this address."))
        return data


class PublicStatementForm(forms.ModelForm):
    class Meta:
        model = PublicStatement
        fields = ["name", "role", "quote", "article", "declaration_serial", "featured_on",
                  "published"]
        labels = {
            "name": _("Name"), "role": _("Role"), "quote": _("Statement"),
            "article": _("Article with the story"),
            "declaration_serial": _("Declaration number (optional)"),
            "featured_on": _("Date"), "published": _("Show on the public page"),
        }
        widgets = {"featured_on": forms.DateInput(attrs={"type": "date"})}


LANGUAGE_CHOICES = settings.LANGUAGES
