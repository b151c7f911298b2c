"""Officials named with their positions in a sentence.

The forms read (each has a unit test in tests/test_facts_rules.py):
  position(s) before the name      `Ủy viên Trung ương Đảng, Bí thư Thành ủy Trương Quang Nghĩa chủ trì`
  position(s) after the name       `Ông Võ Văn Thương, Trưởng Ban Tổ chức Thành ủy, cho biết`,
                                   `đồng chí Nguyễn Văn Nên - Ủy viên Bộ Chính trị, Bí thư Thành ủy`,
                                   `Ông Đặng Quốc Huy (Giám đốc Sở Nội vụ)`
  a list                           `các đồng chí: A, Phó Bí thư Thành ủy; B, Chủ tịch UBND tỉnh`
  a group's positions              `các đồng chí Ủy viên Bộ Chính trị, Bí thư Trung ương Đảng: A, B và C`
A sentence is cut into segments at , ; : ( ) and spaced dashes. A position is a title (`Bí thư`,
`Phó Chủ tịch`, `Giám đốc`, ...) and the body it belongs to (capitalised words and the few lower-case
syllables of body names: `Ban Tổ chức Thành ủy`, `UBND tỉnh`, `Hội Liên hiệp Phụ nữ tỉnh`). A name is
2-4 capitalised syllables starting with a Vietnamese family name, never a place named like a person
(`Võ Nhai`, `Hồ Chí Minh`) nor a word of a position. The byline (upper case) is no name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


def _word_set(words: str) -> set[str]:
    return set(words.split())


# Titles, longest first; those marked True are whole positions without a body (national offices).
_TITLES: dict[tuple[str, ...], bool] = {tuple(title.split()): alone for title, alone in [
    ("Tổng Bí thư", True), ("Chủ tịch nước", True), ("Phó Chủ tịch nước", True), ("Thủ tướng", True),
    ("Phó Thủ tướng", True), ("Tỉnh ủy viên", True), ("Thành ủy viên", True), ("Huyện ủy viên", True),
    ("Quận ủy viên", True), ("Thị ủy viên", True), ("Tỉnh uỷ viên", True), ("Thành uỷ viên", True),
    ("Ủy viên dự khuyết", False), ("Ủy viên", False), ("Uỷ viên", False), ("UVT.Ư", False), ("UVTW", False),
    ("Phó Bí thư", False), ("Bí thư", False), ("Phó Chủ tịch", False), ("Chủ tịch", False),
    ("Phó Trưởng", False), ("Trưởng đoàn", False), ("Trưởng", False), ("Tổng Giám đốc", False),
    ("Phó Tổng Giám đốc", False), ("Phó Giám đốc", False), ("Giám đốc", False), ("Phó Chủ nhiệm", False),
    ("Chủ nhiệm", False), ("Phó Chánh Văn phòng", False), ("Chánh Văn phòng", False), ("Chánh văn phòng",
    False),
    ("Chánh án", False), ("Viện trưởng", False), ("Bộ trưởng", False), ("Thứ trưởng", False),
    ("Chỉ huy trưởng", False), ("Tư lệnh", False), ("Chính ủy", False), ("Hiệu trưởng", False),
    ("Tổng Thư ký", False), ("Phó Tổng Thư ký", False),
]}
_MAX_TITLE = max(map(len, _TITLES))
_TITLE_STARTS = {title[0] for title in _TITLES}  # most words start no title: looked up once
# A sentence naming no title names no official: most sentences are skipped after this one search.
_ANY_TITLE = re.compile(r"Bí thư|Chủ tịch|Thủ tướng|[Ủủ]y viên|[Uu]ỷ viên|[Tt]rưởng|Giám đốc|Chủ nhiệm|Chánh"
                        r"|Tư lệnh|Chính ủy|Thư ký|UVT")
# Lower-case syllables of body names ("Ban Tổ chức", "Trung ương", "Bộ Chính trị", "UBND tỉnh").
_BODY_LOWER = _word_set("""
hành ương trị thư chức giáo vận tra trực nhân dân tỉnh thành phố huyện quận thị xã trấn
phường nước và ủy uỷ viên vụ sự phủ hội quốc nghiệp trường nguyên triển thôn hiệp nữ niên sản an phòng kế
chính tế đạo binh ninh thông tin truyền hóa hoá lịch thao khoa học công nghệ dục tạo quân đội biên đầu
tư sát toán lực đoàn kiểm xây dựng tài lâm mại thương dịch đông tịch chỉ huy mặt trận tổ lao động ban
đồng biểu bảo hiểm hợp tác vệ sinh giao tải thủy lợi môi ngoại nội pháp văn thể kinh doanh hoạch đô quy
cựu chiến phụ liên khuyến khu vực viện đại""")
# Where a body name may end when it ends in lower case ("UBND tỉnh", "Bộ Chính trị", "Thành ủy").
_BODY_END_LOWER = {"tỉnh", "phố", "huyện", "quận", "xã", "phường", "trấn", "nước", "trị", "ủy", "uỷ", "ương",
                   "vụ", "phủ", "hội", "chức", "giáo", "vận", "tra", "trực", "sự", "an", "trường", "nữ",
                   "niên",
                   "dân", "thôn", "tư", "vực", "viện"}
_ABBREVIATIONS = {"UBND", "HĐND", "MTTQ", "ĐBQH", "TP", "TP.HCM", "TPHCM", "BCH", "QH", "VN", "HCM", "LĐLĐ",
                  "THPT", "BCĐ", "HTX", "CCB"}
_SURNAMES = _word_set("""
Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Trương Đinh Lâm Mai
Lương Tô Hà Đoàn Trịnh Đào Cao Lưu Châu Tạ Thái Quách Đàm Khúc Chu Vương Hứa Âu La Lò Triệu Thân Kiều Doãn
Khổng Giáp Mạc Lục Nông Bế Tống Quan Phùng Đồng Từ Kha Hầu Lại Tăng Vi
Giàng Sùng Thào Vàng Mùa Lầu Sầm Lành Đèo Cầm Quàng Tòng Điêu Ksor Rơ Nay Siu Bạch Phí Cù Khuất Nghiêm
Thạch Danh Mẫn Ứng Lạc Lã Biện Diệp Tôn""")
# Places (and a historical name) written like a person's name after a title's body.
_NOT_NAMES = {"Hà Nội", "Hà Tĩnh", "Hà Giang", "Hà Nam", "Cao Bằng", "Lâm Đồng", "Hồ Chí Minh", "Thái Bình",
              "Thái Nguyên", "Võ Nhai", "Hoàng Mai", "Lê Chân", "Ngô Quyền", "Đồng Tháp", "Đồng Nai",
              "Lý Sơn",
              "Hà Đông", "Hà Tiên", "Hà Trung", "Mai Sơn", "Quan Hóa", "Quan Sơn", "Đồng Hới", "Đồng Xoài",
              "Cao Lãnh", "Cao Phong", "Văn Lâm", "Văn Giang", "Văn Yên", "Văn Chấn", "Văn Quan", "Lâm Hà",
              "Đinh Lập", "Hồng Bàng", "Phan Thiết", "Phan Rang", "Hồ Gươm", "Trần Phú", "Lê Lợi", "Tô Hiệu",
              "Vũ Thư", "Lương Sơn", "Cao Lộc", "Lục Ngạn", "Lục Nam", "Lục Yên", "Hoàng Su Phì", "Đinh Hóa",
              "Đồng Hỷ", "Mai Châu", "Lâm Thao", "Triệu Phong", "Triệu Sơn", "Hoàng Hóa", "Hà Quảng",
              "Thái Thụy", "Thạch Hà", "Thạch Thất", "Thạch Thành", "Bạch Long Vĩ", "Bạch Thông", "Cầm Thủy",
              "Hà Hòa", "Hà Quang", "Lý Nhân", "Đồng Xuân", "Đồng Phú", "Đồng Hòa"}
# Words of positions and bodies that are never a syllable of a name ("Thành", "Trung" are: Lê Trung Chinh).
_POSITION_WORDS = {"Bí", "Chủ", "Phó", "Ủy", "Uỷ", "Ban", "Bộ", "Sở", "Tỉnh", "Huyện", "Quận", "Hội",
                   "Trưởng",
                   "Giám", "Đảng", "Cục", "Viện", "Tổng", "Ông", "Bà"}
_HONORIFICS = {("đồng", "chí"): "đồng chí", ("ông",): "ông", ("bà",): "bà"}
_RANKS = {("Đại", "tá"), ("Thượng", "tá"), ("Trung", "tá"), ("Thiếu", "tá"), ("Đại", "tướng"),
          ("Thượng", "tướng"), ("Trung", "tướng"), ("Thiếu", "tướng"), ("Tiến", "sĩ"), ("TS.",), ("PGS.TS",),
          ("GS.TS",), ("ThS.",)}
_ROMAN = re.compile(r"[IVX]{2,5}")  # "Học viện Chính trị khu vực IV", "Quân khu VII"
_SEGMENTS = re.compile(r"\s*([,;:()]|\s[-–—]\s)\s*")
_EDGE_PUNCTUATION = ".!?…\"“”'‘’"


def _words(text: str) -> list[str]:
    """The words of a segment, without the sentence's closing dot or quotes ("Tỉnh ủy." -> "ủy")."""
    return [w for w in (word.strip(_EDGE_PUNCTUATION) for word in text.split()) if w]


@dataclass(frozen=True)
class OfficialMention:
    name: str
    position: str
    honorific: str | None
    complete: bool  # False: a title without its body ("Bí thư"): resolve_abbreviations names it or drops it
    start: int  # offset of the name in the sentence


@dataclass
class _Segment:
    text: str
    start: int
    delimiter_after: str  # "," ";" ":" "(" ")" "-" or "" at the end


def _capitalised(word: str) -> bool:
    return word[:1].isupper() and (len(word) == 1 or word[1:].islower()) and word.isalpha()


def _title_at(words: list[str], i: int) -> tuple[int, bool] | None:
    if words[i] not in _TITLE_STARTS:
        return None
    for size in range(min(_MAX_TITLE, len(words) - i), 0, -1):
        alone = _TITLES.get(tuple(words[i:i + size]))
        if alone is not None:
            return size, alone
    return None


def _name_ending(words: list[str], end: int) -> int | None:
    """Start of a person's name ending at words[end - 1] (2-4 syllables from a family name), or None."""
    start = end
    while start > 0 and _capitalised(words[start - 1]) and end - start < 6:
        start -= 1
    for first in range(max(start, end - 4), end - 1):
        if words[first] in _SURNAMES:
            name = words[first:end]
            if " ".join(name) in _NOT_NAMES or any(w in _POSITION_WORDS for w in name[1:]):
                return None
            return first
    return None


def _body_end(words: list[str], i: int) -> int:
    """Where a title's body starting at words[i] ends (exclusive)."""
    j = i
    # "Trưởng đoàn đại biểu Quốc hội tỉnh"
    while j < len(words) and (_capitalised(words[j]) or words[j] in _ABBREVIATIONS
                              or _ROMAN.fullmatch(words[j]) or words[j] in _BODY_LOWER):
        j += 1
    while j > i and words[j - 1] in _BODY_LOWER and words[j - 1] not in _BODY_END_LOWER:
        j -= 1
    return j


@dataclass
class _Position:
    text: str
    complete: bool
    start: int  # word index of the title
    end: int  # word index after the body
    name: tuple[int, int] | None  # word span of a name right after it


def _position_at(words: list[str], i: int) -> _Position | None:
    # "nguyên Bí thư Tỉnh ủy": a former position, kept as printed so it is never read as a current one.
    former = int(words[i] in ("nguyên", "Nguyên") and i + 1 < len(words))
    title = _title_at(words, i + former)
    if title is None:
        return None
    size, alone = title
    size += former
    end = _body_end(words, i + size)
    # The body may run into a name: "Bí thư Thành ủy Trương Quang Nghĩa" -> body "Thành ủy".
    name = None
    for stop in range(end, i + size + 1, -1):
        first = _name_ending(words, stop)
        if first is not None and first >= i + size and (stop == len(words) or not _capitalised(words[stop])):
            name, end = (first, stop), first
            break
    return _Position(" ".join(words[i:end]), alone or end > i + size, i, end, name)


def _segments(sentence: str) -> list[_Segment]:
    out, start = [], 0
    for cut in _SEGMENTS.finditer(sentence):
        out.append(_Segment(sentence[start:cut.start()], start, cut.group(1).strip()[:1] or "-"))
        start = cut.end()
    out.append(_Segment(sentence[start:], start, ""))
    return out


def _whole_position(segment: _Segment, allow_prefix: bool = False) -> _Position | None:
    """The segment is a position (and nothing else), or, with allow_prefix, ends with one."""
    words = _words(segment.text)
    for i in range(len(words) if allow_prefix else 1):
        position = _position_at(words, i)
        if position and position.end == len(words) and position.name is None:
            return position
    return None


def _prefix(words: list[str], end: int) -> tuple[str | None, bool]:
    """The honorific right before words[end] (skipping a rank), and whether only it stands there."""
    if end >= 2 and tuple(words[end - 2:end]) in _RANKS:
        end -= 2
    elif end >= 1 and tuple(words[end - 1:end]) in _RANKS:
        end -= 1
    for size in (2, 1):
        key = tuple(w.lower() for w in words[max(0, end - size):end])
        if len(key) == size and key in _HONORIFICS:
            return _HONORIFICS[key], end - size == 0
    return None, end == 0


def official_mentions(sentence: str) -> list[OfficialMention]:
    if not _ANY_TITLE.search(sentence):
        return []
    segments = _segments(sentence)
    found: list[OfficialMention] = []
    used: set[int] = set()  # segments read as someone's position

    def offset(segment: _Segment, words: list[str], index: int) -> int:
        return segment.start + len(" ".join(words[:index])) + (1 if index else 0)

    def positions_after(k: int) -> list[_Position]:
        """The positions following segment k: `, P1, P2` / `- P1` / `(P1)`; the last may run into a verb."""
        out: list[_Position] = []
        while k + 1 < len(segments) and segments[k].delimiter_after in (",", "-", "("):
            words = _words(segments[k + 1].text)
            position = _position_at(words, 0) if words else None
            if position is None or position.name is not None:
                break
            out.append(position)
            used.add(k + 1)
            if position.end < len(words):
                break
            k += 1
        return out

    def positions_before(k: int) -> list[_Position]:
        out: list[_Position] = []
        while k > 0 and segments[k - 1].delimiter_after == "," and k - 1 not in used:
            position = _whole_position(segments[k - 1])
            if position is None:
                break
            out.insert(0, position)
            used.add(k - 1)
            k -= 1
        return out

    for k, segment in enumerate(segments):
        if k in used:
            continue
        words = _words(segment.text)
        # A group: "các đồng chí Ủy viên Bộ Chính trị, Bí thư Trung ương Đảng: A, B và C".
        if segment.delimiter_after == ":" and _group(k, segments, found, used):
            continue
        for i in range(len(words)):
            position = _position_at(words, i)
            if position is None or position.name is None:
                continue
            first, stop = position.name
            honorific, _ = _prefix(words, i)
            chain = (positions_before(k) if i == 0 or _prefix(words, i)[1] else []) + [position]
            if stop == len(words):
                chain += positions_after(k)
            name = " ".join(words[first:stop])
            found += [OfficialMention(name, p.text, honorific, p.complete, offset(segment, words, first))
                      for p in chain]
            break
        else:
            # A name closing the segment, its positions after it: "Ông Võ Văn Thương, Trưởng Ban ...".
            ending = _name_ending(words, len(words)) if words else None
            if ending is None:
                continue
            first = ending
            honorific, alone = _prefix(words, first)
            chain = positions_after(k)
            name = " ".join(words[first:])
            found += [OfficialMention(name, p.text, honorific, p.complete, offset(segment, words, first))
                      for p in chain]
    return found


def _group(k: int, segments: list[_Segment], found: list[OfficialMention], used: set[int]) -> bool:
    """A group's positions before segment k's colon, given to every bare name after it:
    "các đồng chí Ủy viên Bộ Chính trị, Bí thư Trung ương Đảng: A, B và C"."""
    last = _whole_position(segments[k], allow_prefix=True)
    if last is None:
        return False
    group, first = [last], k
    while first > 0 and segments[first - 1].delimiter_after == "," and (
            "các" not in [w.lower() for w in _words(segments[first].text)]):
        position = _whole_position(segments[first - 1], allow_prefix=True)
        if position is None:
            break
        group.insert(0, position)
        first -= 1
    if "các" not in [w.lower() for w in _words(segments[first].text)]:
        return False
    names, j = [], k + 1
    while j < len(segments):
        for part in re.split(r"\s+và\s+", segments[j].text):
            words = _words(part)
            if not words or _name_ending(words, len(words)) != 0:
                return False
            names.append((segments[j].start + segments[j].text.index(part), " ".join(words)))
        if segments[j].delimiter_after != "," or (
                j + 1 < len(segments) and _position_at(_words(segments[j + 1].text), 0)):
            break
        j += 1
    if not names or (j + 1 < len(segments) and segments[j].delimiter_after == ","):
        return False  # "các đồng chí: A, Phó Bí thư ...": a list, read name by name
    found += [OfficialMention(name, p.text, "đồng chí", p.complete, at) for at, name in names for p in group]
    used.update(range(first, j + 1))
    return True


def resolve_abbreviations(mentions: list[OfficialMention]) -> list[OfficialMention | None]:
    """A title without its body ("Bí thư Trương Quang Nghĩa") takes the position the same article gives
    that person in full ("Bí thư Thành ủy"); with none, the mention is None (the list stays aligned)."""
    full: dict[str, list[str]] = {}
    for mention in mentions:
        if mention.complete:
            full.setdefault(mention.name, []).append(mention.position)
    resolved: list[OfficialMention | None] = []
    for mention in mentions:
        if mention.complete:
            resolved.append(mention)
            continue
        match = next((p for p in full.get(mention.name, ()) if p.startswith(mention.position + " ")), None)
        resolved.append(
            OfficialMention(mention.name, match, mention.honorific, True, mention.start) if match else None
        )
    return resolved
