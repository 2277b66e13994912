"""The editors' back office for news: articles (list, create, edit, preview, publish) and
featured public statements. Editors are staff in the "editors" group with a second factor.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tuidang.accounts.access import access_editor
from tuidang.news import images, opencc_convert
from tuidang.news.forms import ArticleForm, PublicStatementForm
from tuidang.news.models import Article, PublicStatement, Status
from tuidang.registry import dates


def _article(request: HttpRequest, pk: int) -> Article:
    access_editor(request.user)
    return get_object_or_404(Article, pk=pk)


@never_cache
@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    access_editor(request.user)
    articles = Article.objects.select_related("translated_from").order_by("-updated_on", "-id")
    return render(request, "news/editor/dashboard.html", {"articles": articles[:200]})


def _save(request: HttpRequest, form: ArticleForm) -> Article | None:
    if not form.is_valid():
        return None
    article = form.save(commit=False)
    upload = form.cleaned_data.get("cover_upload")
    if form.cleaned_data.get("remove_cover"):
        article.cover, article.cover_widths = "", []
    if upload:
        try:
            article.cover, article.cover_widths = images.save_cover(upload)
        except ValidationError as exc:
            form.add_error("cover_upload", exc)
            return None
    article.updated_on = dates.today()
    article.save()
    if opencc_convert.sync_hant(article) is not None:
        messages.info(request, _("The traditional Chinese version was updated by OpenCC; "
                                 "it needs review before it is published."))
    return article


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def article_new(request: HttpRequest) -> HttpResponse:
    access_editor(request.user)
    if request.method == "POST":
        form = ArticleForm(request.POST, request.FILES)
        article = _save(request, form)
        if article is not None:
            messages.success(request, _("Saved as a draft."))
            return redirect("news:editor_article", article.pk)
    else:
        form = ArticleForm(initial={
            "language": translation.get_language(), "publish_on": dates.today(),
        })
    return render(request, "news/editor/article_form.html", {"form": form, "article": None})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def article_edit(request: HttpRequest, pk: int) -> HttpResponse:
    article = _article(request, pk)
    if request.method == "POST":
        form = ArticleForm(request.POST, request.FILES, instance=article)
        if _save(request, form) is not None:
            messages.success(request, _("Saved."))
            return redirect("news:editor_article", article.pk)
    else:
        form = ArticleForm(instance=article)
    return render(request, "news/editor/article_form.html", {"form": form, "article": article})


@never_cache
@login_required
@require_GET
def article_preview(request: HttpRequest, pk: int) -> HttpResponse:
    article = _article(request, pk)
    return render(request, "news/article.html", {"article": article, "preview": True})


@login_required
@require_POST
def article_publish(request: HttpRequest, pk: int) -> HttpResponse:
    article = _article(request, pk)
    if request.POST.get("action") == "unpublish":
        article.status = Status.DRAFT
        messages.success(request, _("The article is a draft again."))
    else:
        article.status = Status.PUBLISHED
        if article.publish_on > dates.today():
            messages.success(request, _("Scheduled for %(date)s.") % {
                "date": article.publish_on.isoformat()})
        else:
            messages.success(request, _("Published."))
    article.updated_on = dates.today()
    article.save(update_fields=["status", "updated_on"])
    return redirect("news:editor_article", article.pk)


@login_required
@require_POST
def article_translate(request: HttpRequest, pk: int) -> HttpResponse:
    """Create (or refresh, while it is unreviewed) the zh-hant version by OpenCC."""
    article = _article(request, pk)
    version = opencc_convert.sync_hant(article)
    if version is None:
        messages.error(request, _("Only articles in simplified Chinese are converted."))
        return redirect("news:editor_article", article.pk)
    return redirect("news:editor_article", version.pk)


@never_cache
@login_required
@require_GET
def statements(request: HttpRequest) -> HttpResponse:
    access_editor(request.user)
    rows = PublicStatement.objects.select_related("article")
    return render(request, "news/editor/statements.html", {"statements": rows})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def statement_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    access_editor(request.user)
    found = None
    if pk is not None:
        found = PublicStatement.objects.filter(pk=pk).first()
        if found is None:
            raise Http404("no such statement")
    if request.method == "POST":
        form = PublicStatementForm(request.POST, instance=found)
        if form.is_valid():
            form.save()
            messages.success(request, _("Saved."))
            return redirect("news:editor_statements")
    else:
        form = PublicStatementForm(instance=found, initial={"featured_on": dates.today()})
    return render(request, "news/editor/statement_form.html", {"form": form, "statement": found})
