"""Every route of the URL configuration, with who uses it and how it takes input: the
table tests/test_fuzz_endpoints.py drives with hostile input."""

from dataclasses import dataclass, field

from django.urls import URLPattern, URLResolver, get_resolver

LANGUAGES = ["zh-hans", "zh-hant", "en"]


@dataclass(frozen=True)
class Endpoint:
    pattern: str  # as the URL resolver spells it, without the language prefix
    path: str  # with {int}, {text}, {day}, {tile}, {slug}, {media} for what varies
    role: str = "anon"  # anon, helper, moderator, editor, api
    post: str | None = None  # None: read only; "form": the page's own fields; "json"; "file"
    fields: tuple[str, ...] = field(default=())  # for posts whose page has no form
    methods: tuple[str, ...] = ("GET", "HEAD")


F, J = "form", "json"
ENDPOINTS = [
    Endpoint("log/checkpoint", "/log/checkpoint"),
    Endpoint("log/key", "/log/key"),
    Endpoint("log/policy", "/log/policy"),
    Endpoint("health", "/health"),  # a 404 without the operators' token
    Endpoint("log/^tile/(?P<tile_path>.+)$", "/log/tile/{tile}"),
    Endpoint("api/v1/openapi.json", "/api/v1/openapi.json"),
    Endpoint("api/v1/docs", "/api/v1/docs"),
    Endpoint("api/v1/declarations", "/api/v1/declarations", "api", J, methods=("GET", "POST")),
    Endpoint("api/v1/declarations/<str:serial>", "/api/v1/declarations/{text}", "api"),
    Endpoint("api/v1/", "/api/v1/", "api"),
    Endpoint("altcha/challenge", "/altcha/challenge"),
    Endpoint("count.json", "/count.json"),
    *[Endpoint(f"data/{name}", f"/data/{name}") for name in (
        "daily.json", "daily.csv", "weekly.json", "weekly.csv", "monthly.json",
        "monthly.csv", "yearly.json", "yearly.csv", "totals.json", "regions.csv", "sectors.csv",
        "statements.json")],
    Endpoint("^data/statements/(?P<day>[0-9]{4}-[0-9]{2}-[0-9]{2})\\.jsonl$",
             "/data/statements/{day}.jsonl"),
    *[Endpoint(f"feeds/{name}.atom", f"/feeds/{name}.atom")
      for name in ("statements", "milestones", "news")],
    Endpoint("^feeds/news-(?P<language>zh-hans|zh-hant|en)\\.atom$", "/feeds/news-en.atom"),
    Endpoint("^counter/(?P<language>zh-hans|zh-hant|en)-(?P<size>small|large)\\.svg$",
             "/counter/en-small.svg"),
    Endpoint("counter/", "/{lang}/counter/"),
    Endpoint("sitemap.xml", "/sitemap.xml"),
    Endpoint("^media/(?P<path>news/[0-9a-f]{24}-[0-9]{2,4}\\.jpg)$", "/media/{media}"),
    Endpoint("", "/{lang}/"),
    Endpoint("verify/", "/{lang}/verify/"),
    Endpoint("declare/", "/{lang}/declare/", post=F, methods=("GET", "POST")),
    Endpoint("receipt/", "/{lang}/receipt/", post=F, methods=("GET", "POST")),
    *[Endpoint(f"receipt/{name}/", f"/{{lang}}/receipt/{name}/", post=F, methods=("POST",),
               fields=("code", "confirm", "follow_up", "altcha"))
      for name in ("retract", "proof", "entry")],
    *[Endpoint(f"receipt/{name}/", f"/{{lang}}/receipt/{name}/", post=F, methods=("POST",),
               fields=("code",))
      for name in ("issued", "text")],
    Endpoint("receipt/attestation/", "/{lang}/receipt/attestation/", post=F, methods=("POST",),
             fields=("code", "follow_up", "altcha")),
    Endpoint("privacy/declarants/", "/{lang}/privacy/declarants/"),
    Endpoint("contest/", "/{lang}/contest/", post=F, methods=("GET", "POST")),
    Endpoint("contest/status/", "/{lang}/contest/status/", post=F, methods=("GET", "POST"),
             fields=("reference",)),
    Endpoint("statements/", "/{lang}/statements/"),
    Endpoint("statements/featured/", "/{lang}/statements/featured/"),
    Endpoint("statements/<isodate:day>/", "/{lang}/statements/{day}/"),
    Endpoint("statements/<int:serial>/", "/{lang}/statements/{int}/"),
    Endpoint("helpers/tokens/", "/{lang}/helpers/tokens/", "helper", F, methods=("GET", "POST")),
    Endpoint("helpers/tokens/<int:token_id>/revoke/", "/{lang}/helpers/tokens/{int}/revoke/",
             "helper", F, methods=("POST",)),
    Endpoint("helpers/", "/{lang}/helpers/", "helper"),
    Endpoint("helpers/declare/", "/{lang}/helpers/declare/", "helper", F,
             methods=("GET", "POST")),
    Endpoint("helpers/import/", "/{lang}/helpers/import/", "helper", "file",
             methods=("GET", "POST")),
    Endpoint("helpers/mail/", "/{lang}/helpers/mail/", "helper"),
    Endpoint("helpers/mail/<int:draft_id>/", "/{lang}/helpers/mail/{int}/", "helper", F,
             methods=("GET", "POST")),
    Endpoint("helpers/mail/<int:draft_id>/discard/", "/{lang}/helpers/mail/{int}/discard/",
             "helper", F, methods=("POST",)),
    Endpoint("helpers/sheet/", "/{lang}/helpers/sheet/", "helper"),
    Endpoint("helpers/slips/", "/{lang}/helpers/slips/", "helper", F, methods=("GET", "POST")),
    Endpoint("moderation/surge/", "/{lang}/moderation/surge/", "moderator", F,
             methods=("GET", "POST")),
    Endpoint("moderation/", "/{lang}/moderation/", "moderator"),
    Endpoint("moderation/held/", "/{lang}/moderation/held/", "moderator"),
    Endpoint("moderation/statements/", "/{lang}/moderation/statements/", "moderator"),
    Endpoint("moderation/declarations/<int:serial>/", "/{lang}/moderation/declarations/{int}/",
             "moderator"),
    Endpoint("moderation/declarations/<int:serial>/decide/",
             "/{lang}/moderation/declarations/{int}/decide/", "moderator", F,
             ("action", "reason"), ("POST",)),
    Endpoint("moderation/declarations/<int:serial>/feature/",
             "/{lang}/moderation/declarations/{int}/feature/", "moderator", F, ("featured",),
             ("POST",)),
    Endpoint("moderation/audit/", "/{lang}/moderation/audit/", "moderator"),
    Endpoint("moderation/contests/", "/{lang}/moderation/contests/", "moderator"),
    Endpoint("moderation/contests/<int:contest_id>/", "/{lang}/moderation/contests/{int}/",
             "moderator"),
    Endpoint("moderation/contests/<int:contest_id>/decide/",
             "/{lang}/moderation/contests/{int}/decide/", "moderator", F,
             ("action", "reason"), ("POST",)),
    Endpoint("moderation/bulk-revoke/", "/{lang}/moderation/bulk-revoke/", "moderator", F,
             methods=("GET", "POST")),
    Endpoint("moderation/helpers/", "/{lang}/moderation/helpers/", "moderator"),
    Endpoint("accounts/login/", "/{lang}/accounts/login/", post=F, methods=("GET", "POST")),
    Endpoint("accounts/login/code/", "/{lang}/accounts/login/code/", "password", F,
             ("code", "next"), ("GET", "POST")),
    Endpoint("accounts/login/enrol/", "/{lang}/accounts/login/enrol/", "password", F,
             ("code", "next"), ("GET", "POST")),
    Endpoint("accounts/logout/", "/{lang}/accounts/logout/", post=F, methods=("POST",)),
    *[Endpoint(f"{name}/", f"/{{lang}}/{name}/")
      for name in ("counting", "data", "statistics", "milestones", "news",
                   "news/public-statements", "terms", "privacy")],
    Endpoint("news/<slug:slug>/", "/{lang}/news/{slug}/"),
    Endpoint("editor/", "/{lang}/editor/", "editor"),
    Endpoint("editor/articles/new/", "/{lang}/editor/articles/new/", "editor", F,
             methods=("GET", "POST")),
    *[Endpoint(f"editor/articles/<int:pk>/{tail}", f"/{{lang}}/editor/articles/{{int}}/{tail}",
               "editor", F, ("action",), methods)
      for tail, methods in (("", ("GET", "POST")), ("preview/", ("GET",)),
                            ("publish/", ("POST",)), ("translate/", ("POST",)))],
    Endpoint("editor/statements/", "/{lang}/editor/statements/", "editor"),
    Endpoint("editor/statements/new/", "/{lang}/editor/statements/new/", "editor", F,
             methods=("GET", "POST")),
    Endpoint("editor/statements/<int:pk>/", "/{lang}/editor/statements/{int}/", "editor", F,
             methods=("GET", "POST")),
    Endpoint("newsletter/", "/{lang}/newsletter/", post=F, methods=("GET", "POST")),
    *[Endpoint(f"newsletter/{kind}/<str:token>/", f"/{{lang}}/newsletter/{kind}/{{text}}/",
               post=F, methods=("GET", "POST")) for kind in ("confirm", "unsubscribe")],
    Endpoint("editor/newsletters/", "/{lang}/editor/newsletters/", "editor"),
    Endpoint("editor/newsletters/new/", "/{lang}/editor/newsletters/new/", "editor", F,
             methods=("GET", "POST")),
    *[Endpoint(f"editor/newsletters/<int:pk>/{tail}",
               f"/{{lang}}/editor/newsletters/{{int}}/{tail}", "editor", F, ("address",),
               methods)
      for tail, methods in (("", ("GET",)), ("edit/", ("GET", "POST")), ("preview/", ("GET",)),
                            ("test/", ("POST",)), ("send/", ("POST",)))],
    Endpoint("editor/pages/<str:kind>/", "/{lang}/editor/pages/{text}/", "editor", F,
             methods=("GET", "POST")),
    *[Endpoint(f"{name}/", f"/{{lang}}/{name}/")
      for name in ("safe-access", "questions", "other-ways")],
    Endpoint("editor/help/", "/{lang}/editor/help/", "editor"),
    Endpoint("editor/help/new/", "/{lang}/editor/help/new/", "editor", F,
             methods=("GET", "POST")),
    Endpoint("editor/help/<int:pk>/", "/{lang}/editor/help/{int}/", "editor", F,
             methods=("GET", "POST")),
]


def routes(resolver=None, prefix: str = "") -> set[str]:
    found = set()
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = str(entry.pattern)
            found |= routes(entry, "" if inner in LANGUAGES or inner.rstrip("/") in LANGUAGES
                            else prefix + inner)
        elif isinstance(entry, URLPattern):
            found.add(prefix + str(entry.pattern))
    return found
