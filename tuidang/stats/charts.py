"""Charts drawn on the server: geometry for inline SVG, and the same numbers as tables.

No JavaScript: each chart is an `<svg viewBox=…>` that scales to the page width, with a
`<title>`, and its figures repeated in a `<table>`. Imported history (before tuidang) is
drawn in grey and always labelled; the log's own figures in the accent colour.
"""

import datetime
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from tuidang.registry import dates
from tuidang.registry.models import DailyCount
from tuidang.stats import opendata
from tuidang.stats.models import HistoricalDay

WIDTH = 400
DAYS = 90
TOP_REGIONS = 15
LOG_COLOUR = "#a3161a"
HISTORY_COLOUR = "#8c8c8c"
MAX_LINE_POINTS = 400


@dataclass
class Row:
    """One horizontal bar: label above, bar below, value after the bar."""

    label: str
    value: int
    y: float = 0
    width: float = 0

    @property
    def value_x(self) -> float:
        return _r(self.width + 4)


@dataclass
class Column:
    """One day's bar: the log's part, and imported history stacked above it."""

    day: datetime.date
    persons: int
    history: int
    x: float = 0
    width: float = 0
    y: float = 0
    height: float = 0
    history_y: float = 0
    history_height: float = 0


@dataclass
class Series:
    label: str
    colour: str
    points: str = ""
    last_x: float = 0
    last_y: float = 0


@dataclass
class Chart:
    slug: str
    title: str
    description: str
    kind: str  # "rows", "columns" or "line"
    height: float
    table_head: list[str]
    table: list[list]
    rows: list[Row] = field(default_factory=list)
    columns: list[Column] = field(default_factory=list)
    series: list[Series] = field(default_factory=list)
    axis: dict = field(default_factory=dict)
    legend: list[tuple[str, str]] = field(default_factory=list)
    note: str = ""
    width: int = WIDTH
    log_colour: str = LOG_COLOUR
    history_colour: str = HISTORY_COLOUR

    def __post_init__(self) -> None:
        # Table cells as shown: whole numbers grouped by thousands (12,345).
        self.table = [[f"{c:,}" if isinstance(c, int) else c for c in row] for row in self.table]


def _r(value: float) -> float:
    return round(value, 2)


def rows_chart(slug: str, title: str, description: str, items: list[tuple[str, int]],
               note: str = "", share_of: int | None = None) -> Chart:
    """Horizontal bars; shares are of `share_of` (default: the sum of the items)."""
    row_height, bar_space = 34, 300
    largest = max((max(v, 0) for _label, v in items), default=0) or 1
    rows = [
        Row(label, value, y=i * row_height, width=_r(bar_space * max(value, 0) / largest))
        for i, (label, value) in enumerate(items)
    ]
    total = sum(v for _label, v in items) if share_of is None else share_of
    table = [[label, value, f"{100 * value / total:.1f}" if total else "0.0"]
             for label, value in items]
    return Chart(slug, title, description, "rows", height=max(len(rows), 1) * row_height + 4,
                 table_head=[_("Name"), _("People"), _("Share (%)")], table=table, rows=rows,
                 note=note)


def daily_chart(today: datetime.date | None = None) -> Chart:
    today = today or dates.today()
    first = today - datetime.timedelta(days=DAYS - 1)
    logged = dict(
        DailyCount.objects.filter(key="persons", day__gte=first, day__lte=today)
        .values_list("day", "value")
    )
    imported = dict(
        HistoricalDay.objects.filter(day__gte=first, day__lte=today).values_list("day", "persons")
    )
    top, bottom = 20.0, 180.0
    days = [first + datetime.timedelta(days=i) for i in range(DAYS)]
    largest = max((max(logged.get(d, 0), 0) + imported.get(d, 0) for d in days), default=0) or 1
    step = WIDTH / DAYS
    columns = []
    for i, day in enumerate(days):
        persons, past = max(logged.get(day, 0), 0), imported.get(day, 0)
        height = (bottom - top) * persons / largest
        past_height = (bottom - top) * past / largest
        columns.append(Column(
            day, persons, past, x=_r(i * step + step * 0.1), width=_r(step * 0.8),
            y=_r(bottom - height), height=_r(height),
            history_y=_r(bottom - height - past_height), history_height=_r(past_height),
        ))
    has_history = bool(imported)
    head = [_("Date"), _("People (public log)")]
    if has_history:
        head.append(_("Imported history"))
    table = [[c.day.isoformat(), c.persons, *([c.history] if has_history else [])]
             for c in reversed(columns)]
    legend = [(LOG_COLOUR, _("Proven by the public log"))]
    if has_history:
        legend.append((HISTORY_COLOUR, _("Imported history (before tuidang, not in the log)")))
    return Chart(
        "daily", _("People per day, last 90 days"),
        _("Bars: people counted on each day (China Standard Time) of the last 90 days."),
        "columns", height=200, table_head=head, table=table, columns=columns, legend=legend,
        axis={"top": top, "bottom": bottom, "max": largest, "first": days[0].isoformat(),
              "middle": days[DAYS // 2].isoformat(), "last": days[-1].isoformat(),
              "middle_x": WIDTH / 2},
    )


def _month_ends(points: list[tuple[datetime.date, int, int]]) -> list:
    """The last point of each month (and the very last one)."""
    kept = []
    for i, point in enumerate(points):
        nxt = points[i + 1][0] if i + 1 < len(points) else None
        if nxt is None or (nxt.year, nxt.month) != (point[0].year, point[0].month):
            kept.append(point)
    return kept


def cumulative_chart() -> Chart:
    logged = dict(DailyCount.objects.filter(key="persons").values_list("day", "value"))
    imported = dict(HistoricalDay.objects.values_list("day", "persons"))
    points, log_sum, history_sum = [], 0, 0
    for day in sorted(set(logged) | set(imported)):
        log_sum += logged.get(day, 0)
        history_sum += imported.get(day, 0)
        points.append((day, log_sum, history_sum))
    monthly = _month_ends(points)
    drawn = points if len(points) <= MAX_LINE_POINTS else monthly
    top, bottom, left, right = 20.0, 180.0, 0.0, float(WIDTH - 4)
    largest = max((p[1] + p[2] for p in points), default=0) or 1
    start = drawn[0][0].toordinal() if drawn else 0
    span = (drawn[-1][0].toordinal() - start) if drawn else 0

    def xy(day: datetime.date, value: int) -> tuple[float, float]:
        x = left + (right - left) * ((day.toordinal() - start) / span if span else 1)
        return _r(x), _r(bottom - (bottom - top) * max(value, 0) / largest)

    has_history = bool(imported)
    wanted = [(_("Proven by the public log"), LOG_COLOUR, 1)]
    if has_history:
        wanted.append((_("Including imported history (not in the log)"), HISTORY_COLOUR, 2))
    series = []
    for label, colour, kind in wanted:
        coords = [xy(day, log + (past if kind == 2 else 0)) for day, log, past in drawn]
        last = coords[-1] if coords else (right, bottom)
        series.append(Series(label, colour, " ".join(f"{x},{y}" for x, y in coords), *last))
    head = [_("Month"), _("Total proven by the public log")]
    if has_history:
        head += [_("Imported history"), _("Together")]
    table = [
        [day.strftime("%Y-%m"), log, *([past, log + past] if has_history else [])]
        for day, log, past in reversed(monthly)
    ]
    return Chart(
        "cumulative", _("Total over time"),
        _("Line: the running total of people, at the end of each day or month."),
        "line", height=200, table_head=head, table=table, series=series,
        legend=[(s.colour, s.label) for s in series],
        axis={"top": top, "bottom": bottom, "max": largest,
              "first": drawn[0][0].isoformat() if drawn else "",
              "last": drawn[-1][0].isoformat() if drawn else ""},
    )


def all_charts() -> list[Chart]:
    totals = opendata.totals()
    org_labels = {"party": _("Party"), "league": _("League"), "pioneers": _("Pioneers")}
    regions = opendata.ranked(totals.by_region)
    shown = [(opendata.region_name(code), value) for code, value in regions[:TOP_REGIONS]]
    other = sum(value for _code, value in regions[TOP_REGIONS:])
    if other:
        shown.append((_("Other regions"), other))
    if totals.region_not_given:
        shown.append((pgettext("statistics", "Not given"), totals.region_not_given))
    sectors = [(opendata.sector_name(c), v) for c, v in opendata.ranked(totals.by_sector)]
    if totals.sector_not_given:
        sectors.append((pgettext("statistics", "Not given"), totals.sector_not_given))
    channels = [(opendata.channel_name(c), v) for c, v in opendata.ranked(totals.by_channel)]
    return [
        daily_chart(),
        cumulative_chart(),
        rows_chart(
            "organizations", _("By organization"),
            _("People who quit each organization; one person may quit several, so the "
              "shares are of all people and add up to more than 100 %."),
            [(org_labels[k], v) for k, v in totals.by_organization.items()],
            share_of=totals.persons,
        ),
        rows_chart(
            "regions", _("By region"),
            _("The 15 regions with the most people, then all others together."),
            shown, note=_("Regions are optional; overseas declarants are counted by country."),
        ),
        rows_chart("channels", _("By channel"), _("How declarations reached us."), channels),
        rows_chart("sectors", _("By sector"), _("Sectors are optional."), sectors),
    ]
