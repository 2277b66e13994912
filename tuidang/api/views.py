"""The helper's account page for personal API tokens: list, create (shown once), revoke."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from tuidang.accounts.access import access_helper
from tuidang.api import tokens
from tuidang.api.models import ApiToken
from tuidang.registry.schema import validate_plain_text


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name of the new token"), max_length=60,
        validators=[validate_plain_text],
        help_text=gettext_lazy("Where you will use it, e.g. “hotline laptop”."),
    )


def _page(request: HttpRequest, form: TokenForm, created: tokens.Created | None = None,
          status: int = 200) -> HttpResponse:
    rows = ApiToken.objects.filter(user=request.user).order_by("revoked", "-id")
    return render(request, "api/tokens.html", {
        "form": form, "tokens": rows, "created": created,
        "max_active": tokens.MAX_ACTIVE_TOKENS, "show_errors": form.is_bound,
    }, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    helper = access_helper(request.user)
    if request.method == "GET":
        return _page(request, TokenForm())
    form = TokenForm(request.POST)
    if form.is_valid() and tokens.active_tokens(helper).count() >= tokens.MAX_ACTIVE_TOKENS:
        form.add_error(None, _("You have %(limit)s active tokens. Revoke one you no longer "
                               "use first.") % {"limit": tokens.MAX_ACTIVE_TOKENS})
    if not form.is_valid():
        return _page(request, form, status=400)
    created = tokens.create_token(helper, form.cleaned_data["name"])
    # The token is shown in this response only: no redirect, nothing in a URL, no cache.
    return _page(request, TokenForm(), created=created)


@never_cache
@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    helper = access_helper(request.user)
    if not tokens.revoke_token(helper, token_id):
        raise Http404
    messages.success(request, _("The token has been revoked. It no longer works."))
    return redirect("tokens:list")
