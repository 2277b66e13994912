"""News URLs: `root` is not language-prefixed (feeds, sitemap, media); `pages` is."""

from django.contrib.sitemaps.views import sitemap
from django.urls import path, re_path

from tuidang.news import editor, views
from tuidang.news.sitemaps import SITEMAPS

root = [
    path("feeds/news.atom", views.news_feed, name="feed_news"),
    re_path(r"^feeds/news-(?P<language>zh-hans|zh-hant|en)\.atom$", views.news_feed,
            name="feed_news_language"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    re_path(r"^media/(?P<path>news/[0-9a-f]{24}-[0-9]{2,4}\.jpg)$", views.media, name="media"),
]

pages = [
    path("news/", views.article_list, name="list"),
    path("news/public-statements/", views.public_statements, name="public_statements"),
    path("news/<slug:slug>/", views.article_detail, name="article"),
    path("editor/", editor.dashboard, name="editor"),
    path("editor/articles/new/", editor.article_new, name="editor_article_new"),
    path("editor/articles/<int:pk>/", editor.article_edit, name="editor_article"),
    path("editor/articles/<int:pk>/preview/", editor.article_preview,
         name="editor_article_preview"),
    path("editor/articles/<int:pk>/publish/", editor.article_publish,
         name="editor_article_publish"),
    path("editor/articles/<int:pk>/translate/", editor.article_translate,
         name="editor_article_translate"),
    path("editor/statements/", editor.statements, name="editor_statements"),
    path("editor/statements/new/", editor.statement_edit, name="editor_statement_new"),
    path("editor/statements/<int:pk>/", editor.statement_edit, name="editor_statement"),
]
