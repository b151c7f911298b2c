"""Vietnamese date-time parsing.

Portals write dates day-first in many shapes: `Đăng ngày 13-02-2020 09:06`, `Thứ Năm, 13/02/2020 09:06`,
`13/02/2020 - 09:06`, `04:35 15/03/2016`, `Thứ ba - 13/05/2025 04:49`, `Cập nhật: 13/02/2020`, `ngày 13 tháng
2 năm 2020`, `09h06 13/02/2020`, `09:06 ngày 13 tháng 2 năm 2020`. Times are local to Asia/Ho_Chi_Minh
(UTC+7). htmldate only gives dates, so the time of day is parsed here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from portalnews.vietnamese.text import normalize_inline

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")

_TIME = (
    r"(?P<{p}h>[01]?\d|2[0-3])\s*(?::|h|giờ)\s*(?P<{p}m>[0-5]\d)(?:\s*(?::|phút)\s*(?P<{p}s>[0-5]\d))?"
    r"(?:\s*(?P<{p}ampm>AM|PM|SA|CH)\b)?"
)
# the middle number may be a day (month-first pages); _build refuses a month over 12
_NUMERIC_DATE = r"(?P<d>[0-3]?\d)\s*[/.\-]\s*(?P<mo>[0-3]?\d)\s*[/.\-]\s*(?P<y>(?:19|20)\d\d)"
_WORDED_DATE = r"ngày\s+(?P<d>[0-3]?\d)\s+tháng\s+(?P<mo>[01]?\d)\s*(?:,\s*)?năm\s+(?P<y>(?:19|20)\d\d)"
_SEPARATOR = r"\s*(?:[-|,–—]|\(|lúc)?\s*"

_NUMERIC_DATE_AFTER_TIME = _NUMERIC_DATE.replace("(?P<d>", r"(?:ngày\s+)?(?P<d>")
_WORDED_DATE_2 = (
    _WORDED_DATE.replace("?P<d>", "?P<d2>").replace("?P<mo>", "?P<mo2>").replace("?P<y>", "?P<y2>")
)
_WORDED_DATE_3 = (
    _WORDED_DATE.replace("?P<d>", "?P<d3>").replace("?P<mo>", "?P<mo3>").replace("?P<y>", "?P<y3>")
)
_PATTERNS = [
    # time then date: "04:35 15/03/2016", "09h06, 13/02/2020", "09:06 ngày 13/02/2020",
    # "09:06, ngày 13 tháng 2 năm 2020" (tried first: the date alone would match too)
    re.compile(
        rf"{_TIME.format(p='b')}{_SEPARATOR}(?:(?:thứ\s+\w+|chủ\s+nhật)\s*[,\-]?\s*)?"
        rf"(?:{_NUMERIC_DATE_AFTER_TIME}|{_WORDED_DATE_3})",
        re.IGNORECASE,
    ),
    # date then optional time: "13/02/2020 - 09:06", "13-02-2020 09:06", "ngày 13 tháng 2 năm 2020"
    re.compile(
        rf"(?:{_NUMERIC_DATE}|{_WORDED_DATE_2})(?:{_SEPARATOR}{_TIME.format(p='a')})?",
        re.IGNORECASE,
    ),
]

_YEAR = re.compile(r"(?:19|20)\d\d")

PUBLISHED_LABEL = re.compile(
    r"(đăng\s+ngày|ngày\s+đăng|đăng\s+lúc|xuất\s+bản|ngày\s+xuất\s+bản|published|posted)", re.IGNORECASE
)
MODIFIED_LABEL = re.compile(
    r"(cập\s+nhật|sửa\s+đổi|chỉnh\s+sửa|sửa\s+lần\s+cuối|updated|modified)", re.IGNORECASE
)


@dataclass(frozen=True)
class FoundDate:
    value: datetime  # aware, Asia/Ho_Chi_Minh
    has_time: bool
    label: str | None  # "published", "modified" or None
    start: int  # position in the searched text


def _build(
    d: str, mo: str, y: str, h: str | None, mi: str | None, s: str | None, ampm: str | None
) -> datetime | None:
    try:
        hour = int(h) if h else 0
        if ampm and ampm.upper() in ("PM", "CH") and hour < 12:
            hour += 12
        if ampm and ampm.upper() in ("AM", "SA") and hour == 12:
            hour = 0
        return datetime(int(y), int(mo), int(d), hour, int(mi or 0), int(s or 0), tzinfo=VIETNAM)
    except ValueError:
        return None


def find_dates(text: str, month_first: bool = False) -> list[FoundDate]:
    """Every date (with its time, if written) in `text`, in order of appearance. `month_first`: a
    slashed numeric date is month/day/year (what a page in US English writes: "03/12/2019" is 12
    March there); dotted and dashed ones stay day-first."""
    text = normalize_inline(text)
    if not _YEAR.search(text):  # every pattern has a year: most texts are rejected here, in one scan
        return []
    found: list[FoundDate] = []
    taken: list[tuple[int, int]] = []
    for pattern in _PATTERNS:
        for m in pattern.finditer(text):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            g = m.groupdict()
            day = g.get("d") or g.get("d2") or g.get("d3")
            month = g.get("mo") or g.get("mo2") or g.get("mo3")
            year = g.get("y") or g.get("y2") or g.get("y3")
            if day is None or month is None or year is None:  # every pattern has the three: never taken
                continue
            if month_first and g.get("d") is not None and "/" in text[m.start("d") : m.start("y")]:
                day, month = month, day
            prefix = "a" if g.get("ah") is not None else "b"
            value = _build(
                day,
                month,
                year,
                g.get(f"{prefix}h"),
                g.get(f"{prefix}m"),
                g.get(f"{prefix}s"),
                g.get(f"{prefix}ampm"),
            )
            if value is None:
                continue
            before = text[max(0, m.start() - 40) : m.start()]
            label = None
            # the nearest label before the date wins ("Đăng ngày ... Cập nhật ...")
            last_pub = max((x.end() for x in PUBLISHED_LABEL.finditer(before)), default=-1)
            last_mod = max((x.end() for x in MODIFIED_LABEL.finditer(before)), default=-1)
            if last_pub > last_mod:
                label = "published"
            elif last_mod > last_pub:
                label = "modified"
            taken.append((m.start(), m.end()))
            found.append(FoundDate(value, g.get(f"{prefix}h") is not None, label, m.start()))
    return sorted(found, key=lambda f: f.start)


def parse_datetime(text: str) -> datetime | None:
    """The first Vietnamese-style date-time in `text`, or an ISO 8601 one; None if there is none."""
    text = (text or "").strip()
    if not text:
        return None
    iso = parse_iso(text)
    if iso:
        return iso
    dates = find_dates(text)
    return dates[0].value if dates else None


def parse_iso(text: str) -> datetime | None:
    """ISO 8601 (meta tags, JSON-LD, <time datetime>), extended or basic form with a time; naive values are
    taken as Vietnam time. A value with an offset keeps it (the same instant): its day is the day the page
    shows, wherever it is."""
    candidate = text.strip().replace("Z", "+00:00")
    # the extended form (2018-06-19T05:50:00+09:00) and the basic one (20180619T055000+0900, Nikkei's JSON-LD)
    if not re.match(r"^\d{4}-\d\d-\d\d|^\d{8}T\d{4}", candidate):
        return None
    try:
        value = datetime.fromisoformat(candidate)
    except ValueError:
        try:
            value = datetime.fromisoformat(candidate[:19])
        except ValueError:
            return None
    return value.replace(tzinfo=VIETNAM) if value.tzinfo is None else value


def not_in_future(value: datetime | None, now: datetime | None = None) -> datetime | None:
    """Drop dates later than tomorrow: a future 'published' date is a parsing error or a scheduled event."""
    if value is None:
        return None
    now = now or datetime.now(VIETNAM)
    return value if value <= now + timedelta(days=1) else None
