"""The two login steps: password, then a one-time code from the staff member's app."""

import django_otp
from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tuidang.accounts import throttle

TOO_MANY = _("Too many failed attempts for this account. Try again in 15 minutes.")


def _exists(username: str) -> bool:
    """Whether the name is an account's, as authentication looks it up."""
    model = get_user_model()
    return model._default_manager.filter(**{model.USERNAME_FIELD: username}).exists()


class PasswordForm(AuthenticationForm):
    """Django's login form, refused while the username is locked, counting each failure."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "throttled": TOO_MANY,
    }

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        if username and throttle.is_locked(username):
            raise ValidationError(self.error_messages["throttled"], code="throttled")
        try:
            return super().clean()
        except ValidationError as error:
            if username and error.code == "invalid_login":
                throttle.record_failure(username, account_exists=_exists(username))
            raise


class CodeForm(forms.Form):
    """A six-digit code, checked against the user's device; each failure is counted."""

    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def __init__(self, *args, user, device, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.device = device
        self.throttled = False
        self.verified_device = None

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        username = self.user.get_username()
        if throttle.is_locked(username):
            self.throttled = True
            raise ValidationError(TOO_MANY, code="throttled")
        if not (code.isascii() and code.isdigit() and len(code) == self.device.digits):
            throttle.record_failure(username, account_exists=True)
            raise ValidationError(_("Enter the six digits your app shows."), code="format")
        # In a transaction, the device row locked: a code is accepted once only.
        verified = django_otp.verify_token(self.user, self.device.persistent_id, code)
        if verified is None:
            throttle.record_failure(username, account_exists=True)
            raise ValidationError(
                _("This code is not right, or it was used already. Wait for the next one."),
                code="invalid",
            )
        self.verified_device = verified
        return code
