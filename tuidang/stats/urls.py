"""count.json, open data and feeds (not language-prefixed), and the pages (under
i18n_patterns)."""

from django.urls import path, re_path

from tuidang.stats import counter, feeds, views

open_data = [
    path("count.json", views.count_json, name="count_json"),
    path("data/daily.json", views.daily_json, name="data_daily_json"),
    path("data/daily.csv", views.daily_csv, name="data_daily_csv"),
    *[path(f"data/{name}ly.{kind}", view, {"grain": name}, name=f"data_{name}ly_{kind}")
      for name in ("week", "month", "year")
      for kind, view in (("json", views.period_json), ("csv", views.period_csv))],
    path("data/totals.json", views.totals_json, name="data_totals"),
    path("data/regions.csv", views.regions_csv, name="data_regions"),
    path("data/sectors.csv", views.sectors_csv, name="data_sectors"),
    path("data/statements.json", views.statements_json, name="data_statements"),
    re_path(
        r"^data/statements/(?P<day>[0-9]{4}-[0-9]{2}-[0-9]{2})\.jsonl$",
        views.statements_dump, name="data_statements_day",
    ),
    re_path(r"^counter/(?P<language>zh-hans|zh-hant|en)-(?P<size>small|large)\.svg$",
            counter.counter_image, name="counter_image"),
    path("feeds/statements.atom", feeds.statements_feed, name="feed_statements"),
    path("feeds/milestones.atom", feeds.milestones_feed, name="feed_milestones"),
]

pages = [
    path("counting/", views.counting_rule, name="counting_rule"),
    path("data/", views.open_data_page, name="open_data"),
    path("statistics/", views.statistics, name="statistics"),
    path("milestones/", views.milestones, name="milestones"),
    path("counter/", counter.counter_page, name="counter_embed"),
]
