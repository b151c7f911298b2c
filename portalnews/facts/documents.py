"""Party and State documents named in a sentence: `Nghị quyết số 35-NQ/TW ngày 22/10/2018 của Bộ Chính
trị (khóa XII)`, `Quyết định số 1234/QĐ-UBND`, `Nghị định 168/2024/NĐ-CP`, `Nghị quyết Trung ương 4
(khóa XII)`, and the short forms an article uses after the full one (`Nghị quyết 35`, `Chỉ thị 05`).

`document_key` names a document the same way whatever the wording: a numbered one by its number and
symbol as the Party and State print them (`35-NQ/TW`, `08-QĐi/TW`, `1234/QĐ-UBND`, `168/2024/NĐ-CP`:
spacing dropped, letters upper case but the Party's `QĐi` and `CTr`), a Central Committee plenum
resolution without a number as `Nghị quyết Trung ương <plenum> khóa <term>`. A short form gets the key
of the full form the same article gives (`resolve_short_forms`), or, issued by a central Party body,
the Party's `/TW` symbol; otherwise it is no row: nothing is invented for "Nghị quyết" alone.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, replace
from datetime import date

_TYPES = {  # the Vietnamese name of a document type -> the Party's symbol for it
    "Nghị quyết": "NQ", "Chỉ thị": "CT", "Kết luận": "KL", "Quy định": None, "Quyết định": "QĐ",
    "Hướng dẫn": "HD", "Thông tri": "TT", "Kế hoạch": "KH", "Thông báo kết luận": "TB", "Thông báo": "TB",
    "Đề án": "ĐA", "Chương trình": "CTr", "Luật": None, "Nghị định": None, "Thông tư liên tịch": None,
    "Thông tư": None, "Công văn": None, "Pháp lệnh": None,
}  # Quy định: `QĐ/TW` before 2017, `QĐi/TW` since, so a bare number is not keyed
_ANY_TYPE = re.compile("|".join(_TYPES), re.IGNORECASE)
# `_ANY_TYPE` ignores case, which makes it slow (8 us a sentence, 0.5 ms an article). This case-sensitive
# search of the lower-cased sentence first is as exact and 20 times faster: str.lower() gives what the
# IGNORECASE match compares, but for two letters it matches to "i" (tests/unit/test_facts_prefilter.py).
_LOWER_TYPE = re.compile("|".join(name.lower() for name in _TYPES))
_ALSO_I = ("\u0130", "\u0131")  # İ, ı
_ALSO_I_SEARCH = re.compile(f"[{''.join(_ALSO_I)}]")


def _may_name_a_type(sentence: str) -> bool:
    """False only where `_ANY_TYPE` finds nothing."""
    return (_LOWER_TYPE.search(sentence.lower()) is not None
            or _ALSO_I_SEARCH.search(sentence) is not None)


_ABBREVIATED_TYPES = {
    "NQ": "Nghị quyết",
    "CT": "Chỉ thị",
    "KL": "Kết luận",
    "QĐi": "Quy định",
    "QĐ": "Quyết định",
    "HD": "Hướng dẫn",
    "KH": "Kế hoạch",
    "TB": "Thông báo",
    "NĐ": "Nghị định",
    "TT": "Thông tư",
    "CTr": "Chương trình",
    "ĐA": "Đề án",
}
_TYPE_NAMES = sorted(_TYPES, key=len, reverse=True)
# Type words as the page writes them: capitalised or, in running text, lower case ("nghị quyết số 12-NQ/HU").
_TYPE = "|".join(name for t in _TYPE_NAMES for name in (t, t[0].lower() + t[1:]))
# Symbol parts: upper-case codes (NQ, TW, UBND, HĐND, BTCTW, QH15), the Party's QĐi and CTr.
_CODE = r"[A-ZĐ]{1,8}[a-zđ]?\d{0,2}(?![^\W\d_])"
# printed so by the Party and the Prime Minister
_MIXED_CASE_CODES = {"QĐI": "QĐi", "CTR": "CTr", "TTG": "TTg"}
_SYMBOL = re.compile(rf"(?<![\w/.-])(?P<number>\d{{1,5}})(?:\s*/\s*(?P<year>(?:19|20)\d\d))?"
                     rf"(?P<sep>\s*[-/]\s*)(?P<code>{_CODE}(?:\s*[-/]\s*{_CODE})*)", re.IGNORECASE)
# case-sensitive: as the Party and State print it
_PRINTED_CODE = re.compile(rf"{_CODE}(?:\s*[-/]\s*{_CODE})*")
# What may stand between a type word and its number: "số", "số:", a law's name ("Luật Đầu tư công số").
_TYPE_BEFORE = re.compile(rf"(?:(?P<law>Luật)(?:\s+[^\s,;.()]+){{0,5}}?|(?P<type>{_TYPE}|NQ|CT|KL|QĐ))"
                          r"\s*(?:số\s*:?\s*)?$")
_SHORT = re.compile(rf"\b(?P<type>{_TYPE})\s+(?:số\s+)?(?P<number>\d{{1,5}})(?![\d/]|\s*[-/]\s*\S|,\d)")
_WORD_NUMBERS = {
    "một": 1,
    "nhất": 1,
    "hai": 2,
    "ba": 3,
    "tư": 4,
    "bốn": 4,
    "năm": 5,
    "sáu": 6,
    "bảy": 7,
    "tám": 8,
    "chín": 9,
    "mười": 10,
    "mười một": 11,
    "mười hai": 12,
    "mười ba": 13,
    "mười bốn": 14,
    "mười tư": 14,
    "mười lăm": 15,
    "mười sáu": 16,
    "mười bảy": 17,
    "mười tám": 18,
    "mười chín": 19,
}
_PLENUM_NUMBER = r"(?P<plenum>\d{1,2}|" + "|".join(sorted(_WORD_NUMBERS, key=len, reverse=True)) + r")"
_CENTRAL = r"Ban Chấp hành Trung ương(?: Đảng)?"
_PLENUM = re.compile(
    rf"\bNghị quyết\s+(?:(?:Hội nghị\s+)?Trung ương\s+(?:lần thứ\s+)?{_PLENUM_NUMBER}"
    rf"|Hội nghị\s+(?:lần thứ\s+)?{_PLENUM_NUMBER.replace('plenum', 'plenum2')}\s+(?:của\s+)?{_CENTRAL})"
    r"(?![\w/-])",
    re.IGNORECASE,
)
_TERM = re.compile(r"^[\s,(]*(?:của [^;()]{0,60}?)?[\s(]*kh(?:óa|oá)\s+(?P<term>[IVXLC]+)\b")
_PLENUM_OF_NUMBERED = re.compile(
    rf"^[^;]{{0,40}}?Hội nghị\s+(?:lần thứ\s+)?{_PLENUM_NUMBER}\s+(?:của\s+)?{_CENTRAL}"
)
_DATE = re.compile(
    r"^\s*,?\s*(?:ban hành\s+)?ngày\s+(?:(?P<d>\d{1,2})\s*[/.-]\s*(?P<m>\d{1,2})\s*[/.-]\s*(?P<y>\d{4})"
    r"|(?P<d2>\d{1,2})\s+tháng\s+(?P<m2>\d{1,2})\s*,?\s+năm\s+(?P<y2>\d{4}))"
)
_ISSUERS = ("Bộ Chính trị, Ban Bí thư", "Bộ Chính trị", "Ban Bí thư", _CENTRAL, "Ban Tổ chức Trung ương",
            "Ban Tuyên giáo Trung ương", "Ban Thường vụ (?:Tỉnh|Thành|Huyện|Quận|Thị) ủy",
            "Thường trực (?:Tỉnh|Thành|Huyện|Quận|Thị) ủy", "(?:Tỉnh|Thành|Huyện|Quận|Thị|Đảng) ủy",
            "Ban Chấp hành Đảng bộ (?:tỉnh|thành phố|huyện|quận)", "Thủ tướng Chính phủ", "Chính phủ",
            "Ủy ban Thường vụ Quốc hội", "Quốc hội", "(?:UBND|Ủy ban nhân dân|HĐND|Hội đồng nhân dân) "
            "(?:tỉnh|thành phố|huyện|quận|xã)", "Bộ [A-ZĐ][\\wđ]*(?: (?:và )?[\\wđ]+){0,4}?(?=[\\s,.;)]|$)")
_ISSUER = re.compile(r"^[\s,]*(?:\(?kh(?:óa|oá) [IVXLC]+\)?\s*)?của\s+(?P<issuer>" + "|".join(_ISSUERS) + ")")
_CENTRAL_ISSUERS = ("Bộ Chính trị", "Ban Bí thư", "Ban Chấp hành Trung ương")


@dataclass(frozen=True)
class DocumentMention:
    document_key: str | None
    document_type: str | None
    number: str | None
    symbol: str | None
    issuer: str | None
    term: str | None
    plenum: int | None
    issued_on: date | None
    start: int  # offset of the mention in the sentence
    end: int


def _symbol(code: str) -> str:
    """NQ/TW, QĐ-UBND: spacing dropped, upper case but QĐi, CTr and TTg."""
    parts = re.split(r"\s*([-/])\s*", code)
    return "".join(_MIXED_CASE_CODES.get(part.upper(), part.upper()) for part in parts)


def _type_named(name: str) -> str:
    lowered = name.lower()
    return next((t for t in _TYPE_NAMES if t.lower() == lowered), _ABBREVIATED_TYPES.get(name, name))


def _plenum_number(value: str) -> int:
    return int(value) if value.isdigit() else _WORD_NUMBERS[value.lower()]


def _details(after: str) -> dict:
    """Issuer, term and date written right after a mention."""
    found: dict = {"issuer": None, "term": None, "issued_on": None}
    if date_match := _DATE.match(after):
        d, m, y = (date_match["d"] or date_match["d2"], date_match["m"] or date_match["m2"],
                   date_match["y"] or date_match["y2"])
        with contextlib.suppress(ValueError):  # "ngày 31/2/2020": a typo, no date
            found["issued_on"] = date(int(y), int(m), int(d))
        after = after[date_match.end():]
    if issuer := _ISSUER.match(after):
        found["issuer"] = issuer["issuer"]
    if term := _TERM.match(after):
        found["term"] = term["term"]
    return found


def _numbered(sentence: str) -> list[DocumentMention]:
    mentions = []
    for match in _SYMBOL.finditer(sentence):
        code = _symbol(match["code"])
        before = _TYPE_BEFORE.search(sentence[max(0, match.start() - 60):match.start()])
        if before is None and not _PRINTED_CODE.fullmatch(match["code"]):
            continue  # a symbol typed in lower case counts only after a type word ("nghị quyết 35-nq/tw")
        if not match["year"] and "-" not in code and "/" not in code:
            continue  # "2019 - TP": one code and no year is no symbol
        first_code = re.split("[-/]", code)[0]
        doc_type = (
            _type_named(before["type"] or before["law"]) if before else _ABBREVIATED_TYPES.get(first_code)
        )
        if doc_type is None and not match["year"]:
            continue
        sep = "-" if "-" in match["sep"] else "/"
        year = f"/{match['year']}" if match["year"] else ""
        key = f"{match['number']}{year}{sep}{code}"
        start = match.start() - (len(before.group(0)) if before else 0)
        details = _details(sentence[match.end():match.end() + 160])
        plenum = _PLENUM_OF_NUMBERED.match(sentence[match.end():match.end() + 160])
        mentions.append(
            DocumentMention(
                key,
                doc_type,
                match["number"],
                code,
                details["issuer"],
                details["term"],
                _plenum_number(plenum["plenum"]) if plenum else None,
                details["issued_on"],
                start,
                match.end(),
            )
        )
    return mentions


def _plenums(sentence: str) -> list[DocumentMention]:
    mentions = []
    for match in _PLENUM.finditer(sentence):
        plenum = _plenum_number(match["plenum"] or match["plenum2"])
        details = _details(sentence[match.end():match.end() + 120])
        term = details["term"]
        key = f"Nghị quyết Trung ương {plenum} khóa {term}" if term else None
        mentions.append(
            DocumentMention(
                key,
                "Nghị quyết",
                None,
                None,
                "Ban Chấp hành Trung ương",
                term,
                plenum,
                details["issued_on"],
                match.start(),
                match.end(),
            )
        )
    return mentions


def _short_forms(sentence: str, taken: list[DocumentMention]) -> list[DocumentMention]:
    mentions = []
    for match in _SHORT.finditer(sentence):
        if any(m.start <= match.start() < m.end for m in taken):
            continue
        details = _details(sentence[match.end():match.end() + 160])
        doc_type = _type_named(match["type"])
        mentions.append(
            DocumentMention(
                None,
                doc_type,
                match["number"],
                None,
                details["issuer"],
                details["term"],
                None,
                details["issued_on"],
                match.start(),
                match.end(),
            )
        )
    return mentions


def document_mentions(sentence: str) -> list[DocumentMention]:
    """Every document named in one sentence, in text order; short forms and plenum resolutions
    without a term have no key yet (`resolve_short_forms` gives it from the whole article)."""
    numbered = _numbered(sentence)
    # short forms and plenum resolutions start with a type word
    if not (_may_name_a_type(sentence) and _ANY_TYPE.search(sentence)):
        return numbered
    plenums = [m for m in _plenums(sentence) if not any(n.start <= m.start < n.end for n in numbered)]
    taken = numbered + plenums
    return sorted(taken + _short_forms(sentence, taken), key=lambda m: m.start)


def resolve_short_forms(mentions: list[DocumentMention]) -> list[DocumentMention | None]:
    """Keys for the short forms of one article, from its full forms; a mention left without a key is
    None (the list stays aligned with the given one)."""
    by_number = {(m.document_type, int(m.number)): m for m in mentions if m.document_key and m.number}
    by_plenum = {m.plenum: m for m in mentions if m.document_key and m.plenum and not m.number}
    resolved = []
    for mention in mentions:
        if mention.document_key is None and mention.number:
            full = by_number.get((mention.document_type, int(mention.number)))
            party_code = _TYPES.get(mention.document_type or "")
            if full:
                mention = replace(mention, document_key=full.document_key, symbol=full.symbol,
                                  issuer=mention.issuer or full.issuer, term=mention.term or full.term)
            elif party_code and mention.issuer and mention.issuer.startswith(_CENTRAL_ISSUERS):
                mention = replace(
                    mention, document_key=f"{mention.number}-{party_code}/TW", symbol=f"{party_code}/TW"
                )
        elif mention.document_key is None and mention.plenum in by_plenum:
            full = by_plenum[mention.plenum]
            mention = replace(mention, document_key=full.document_key, term=full.term)
        resolved.append(mention if mention.document_key else None)
    return resolved
