from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from tuidang.news.models import Article
from tuidang.newsletter import content
from tuidang.newsletter.addresses import MAX_LENGTH
from tuidang.newsletter.models import Newsletter


class SignupForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"), max_length=MAX_LENGTH)
    language = forms.ChoiceField(label=_("Language of the newsletter"),
                                 choices=settings.LANGUAGES)
    consent = forms.BooleanField(
        label=_("By submitting this form, I agree to the terms."), required=True,
        error_messages={"required": _("Please agree to the terms to subscribe.")},
    )


class NewsletterForm(forms.ModelForm):
    milestones = forms.TypedMultipleChoiceField(
        label=_("Milestones"), required=False, coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Newsletter
        fields = ["language", "subject", "intro", "articles"]
        labels = {"language": _("Language"), "subject": _("Subject"),
                  "intro": _("Introduction (Markdown)"), "articles": _("Articles")}
        widgets = {"articles": forms.CheckboxSelectMultiple,
                   "intro": forms.Textarea(attrs={"rows": 8})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["articles"].queryset = Article.objects.public().order_by(
            "language", "-publish_on", "-id")[:60]
        self.fields["articles"].queryset = Article.objects.public().filter(
            pk__in=[a.pk for a in self.fields["articles"].queryset]
        ).order_by("language", "-publish_on", "-id")
        self.fields["articles"].label_from_instance = (
            lambda a: f"[{a.language}] {a.publish_on.isoformat()} · {a.title}"
        )
        milestones = content.recent_milestones()
        if milestones:
            self.fields["milestones"].choices = [
                (m.value, f"{m.value:,} · {m.reached_on.isoformat()}") for m in milestones
            ]
            if self.instance.pk:
                self.initial.setdefault("milestones", self.instance.milestone_values)
        else:
            del self.fields["milestones"]

    def clean(self):
        data = super().clean()
        language = data.get("language")
        wrong = [a for a in data.get("articles") or [] if a.language != language]
        if language and wrong:
            self.add_error("articles", _("Choose articles in the newsletter's language."))
        return data

    def save(self, commit=True):
        newsletter = super().save(commit=False)
        newsletter.milestone_values = self.cleaned_data.get("milestones") or []
        if commit:
            newsletter.save()
            self.save_m2m()
        return newsletter


class LegalPageForm(forms.Form):
    body_zh_hans = forms.CharField(label="简体中文 (Markdown)", widget=forms.Textarea,
                                   required=False)
    body_zh_hant = forms.CharField(label="繁體中文 (Markdown)", widget=forms.Textarea,
                                   required=False)
    body_en = forms.CharField(label="English (Markdown)", widget=forms.Textarea, required=False)

    def clean(self):
        data = super().clean()
        if not any(data.get(f) for f in ("body_zh_hans", "body_zh_hant", "body_en")):
            raise forms.ValidationError(_("Write the page in at least one language."))
        return data
