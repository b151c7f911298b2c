"""The edges of an article body (page widgets, related-link lists, the byline) and the author.

Portals end articles with the author's name alone in capitals (`NGÔ HUYỀN`), `Tin, ảnh: ...`, `PV`
or `(Theo ...)` (NukeViet prints `Tác giả bài viết: ...` and `Nguồn tin: ...` under the body),
followed by widgets (`ĐÁNH GIÁ BÀI VIẾT`, `In bài`, `Chia sẻ`, `Tin liên quan` and its list of
links). Widgets are dropped; the byline leaves the body and becomes the author (or the source, for
`Theo ...`). Authors are stored as the page shows them (`NGÔ HUYỀN` stays in capitals): recasing
Vietnamese names cannot be done reliably, and the page's form is the one people search for.

The author is, in this order: the hinted author, the byline at the end of the body, a labelled
line just after the article container, then what the page's metadata names
(portalnews.extraction.metadata: meta tags, JSON-LD, byline elements; never the site's name).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml.html import HtmlElement

from portalnews.extraction.metadata import metadata_author
from portalnews.extraction.nodes import is_leaf_block, iter_after, last_descendant
from portalnews.extraction.page import ParsedPage
from portalnews.extraction.promotions import drop_trailing_promotions
from portalnews.vietnamese.text import normalize_inline

_WIDGET_WORDS = [
    r"đánh giá bài viết",
    r"bạn đánh giá (?:bài viết|tin) này.*",
    r"đánh giá của bạn.*",
    r"bình chọn",
    r"in bài(?: viết)?",
    r"in trang",
    r"bản in",
    r"gửi email",
    r"gửi bài viết",
    r"gửi cho bạn bè",
    r"email",
    r"chia sẻ(?: bài viết)?(?: qua)?(?: facebook| zalo| twitter)?",
    r"chia sẻ:?",
    r"share",
    r"tweet",
    r"facebook",
    r"zalo",
    r"bình luận(?: \(\d+\))?",
    r"ý kiến bạn đọc",
    r"gửi bình luận",
    r"viết bình luận",
    r"lượt xem:? ?[\d.,]*",
    r"số lượt xem:? ?[\d.,]*",
    r"lượt đọc:? ?[\d.,]*",
    r"quay lại",
    r"trở về",
    r"về đầu trang",
    r"lên đầu trang",
    r"xem thêm",
    r"đọc thêm",
    r"cỡ chữ:?.*",
    r"font size:?.*",
    r"[aA]\s*[-+]?\s*[aA]\s*[-+]?",
    r"\d(?:[.,]\d)?/5(?: \(\d+ (?:lượt|đánh giá)\))?",
    r"[★☆✩✪✫✬✭✮✯✰⭐\s]+",
    r"gửi",
    r"lưu bài(?: viết)?(?: này)?",
    r"theo dõi(?: chúng tôi)?(?: trên.*)?",
    r"click để đánh giá bài viết",
    r"tổng số điểm của bài viết là:? .*",
    r"điểm trung bình:? .*",
    r"gửi bài viết qua email",
    r"in bài viết này",
    r"a\s*-\s*a\s*\+",
    r"cỡ chữ",
    r"phản hồi",
    r"\(ends?\)",  # a wire story's end mark ("(END)", Yonhap), not a byline in capitals
]
WIDGET_LINE = re.compile(r"^(?:" + "|".join(_WIDGET_WORDS) + r")[\s:.!]*$", re.IGNORECASE)

# Headers after which everything is a related-link list or page furniture.
_TAIL_HEADERS = [
    r"tin liên quan",
    r"bài liên quan",
    r"bài viết liên quan",
    r"tin bài liên quan",
    r"các tin liên quan",
    r"tin cùng chuyên mục",
    r"tin cùng loại",
    r"bài cùng chuyên mục",
    r"các tin khác",
    r"tin khác",
    r"các bài khác",
    r"tin mới(?: nhất| hơn)?",
    r"(?:những|các) tin (?:mới|cũ) hơn",
    r"tin cũ hơn",
    r"tin đã đưa",
    r"các tin đã đưa(?: ngày)?.*",
    r"tin bài khác",
    r"xem tiếp",
    r"từ khóa:?.*",
    r"từ khoá:?.*",
    r"tags?:.*",
    r"chủ đề:.*",
]
TAIL_HEADER = re.compile(r"^(?:" + "|".join(_TAIL_HEADERS) + r")[\s:.]*$", re.IGNORECASE)

_UPPER_LETTERS = re.compile(r"[^\W\d_]")
_SOURCE = re.compile(
    r"^\(?\s*(?:theo|nguồn(?: tin| bài| bài viết)?)\s*:?\s+(?P<who>[^()]{2,80}?)\s*\)?\.?$", re.IGNORECASE
)
_CREDIT = re.compile(
    r"^\(?\s*(?:tin,? ?ảnh|tin và ảnh|bài,? ?ảnh|bài và ảnh|tin|bài|ảnh|tin, bài|bài viết|thực hiện|"
    r"tác giả(?: bài viết)?|người viết|nhóm phóng viên|phóng viên|pv|btv|"
    r"ctv)\s*:\s*(?P<who>[^()]{2,80}?)\s*\)?\.?$",
    re.IGNORECASE,
)
_STAFF = re.compile(
    r"^\(?(?P<who>(?:PV|CTV|BTV|PV-CTV|PV\s*/\s*CTV|Nhóm PV|P\.V|[A-ZĐ]{2,4}\.?)(?:\s*[-/,]\s*(?:PV|CTV|"
    r"BTV))*)\)?\.?$"
)


@dataclass
class Edges:
    lines: list[str]  # the body without widgets, tail lists and byline
    author: str | None = None
    source: str | None = None


def is_widget_line(line: str) -> bool:
    return bool(WIDGET_LINE.match(normalize_inline(line)))


def _capitals_byline(line: str) -> bool:
    """A short line written entirely in capitals: `NGÔ HUYỀN`, `THU HÀ - MINH ANH`."""
    letters = _UPPER_LETTERS.findall(line)
    if len(letters) < 3 or len(line) > 60 or len(line.split()) > 8:
        return False
    if line.rstrip().endswith((".", ":", "?", "!")) and not re.search(r"\b[A-ZĐ]\.$", line):
        return False
    return all(ch.isupper() for ch in letters)


def parse_byline(line: str, labelled_only: bool = False) -> tuple[str | None, str | None]:
    """(author, source) if `line` is a byline, else (None, None).

    With `labelled_only`, only bylines that say what they are (`Tác giả: ...`, `Theo ...`, `Nguồn: ...`)
    count: for lines outside the body, where a short capitalised line may be a widget or a heading.
    """
    line = normalize_inline(line)
    if not line:
        return None, None
    m = _CREDIT.match(line)
    if m:
        return m.group("who").strip(" .,"), None
    m = _SOURCE.match(line)
    if m and len(m.group("who").split()) <= 8:
        return None, m.group("who").strip(" .,")
    if labelled_only:
        return None, None
    m = _STAFF.match(line)
    if m:
        return m.group("who").strip(" ()."), None
    if _capitals_byline(line):
        return line.strip(" ()"), None
    return None, None


def strip_edges(lines: list[str]) -> Edges:
    """Remove widgets everywhere, the related-links tail, then the byline(s) and the site's
    invitations to follow it (portalnews.extraction.promotions) at the end."""
    kept: list[str] = []
    for line in lines:
        clean = normalize_inline(line)
        if not clean:
            continue
        if TAIL_HEADER.match(clean):
            break
        if WIDGET_LINE.match(clean):
            continue
        kept.append(line)

    edges = Edges(lines=kept)
    # The site's invitations to follow it may come before or after the byline.
    _take_bylines(edges)
    without_promotions = drop_trailing_promotions(edges.lines)
    if len(without_promotions) < len(edges.lines):
        edges.lines = without_promotions
        _take_bylines(edges)
    return edges


def _take_bylines(edges: Edges) -> None:
    """Bylines sit at the end; a source line may follow or precede the author line."""
    for _ in range(2):
        if len(edges.lines) < 2:
            break
        author, source = parse_byline(edges.lines[-1])
        if not author and not source:
            break
        if author and not edges.author:
            edges.author = author
        elif source and not edges.source:
            edges.source = source
        else:
            break
        edges.lines.pop()


_NAME_WORD = re.compile(r"^[^\W\d_][^\W\d_.]*$")


def _right_aligned_or_bold(node: HtmlElement) -> bool:
    style = (node.get("style") or "").replace(" ", "").lower()
    if "text-align:right" in style or (node.get("align") or "").lower() == "right":
        return True
    bold = " ".join(b.text_content() for b in node.xpath(".//strong|.//b"))
    return normalize_inline(bold) == normalize_inline(node.text_content())


def take_signature(page: ParsedPage, edges: Edges) -> None:
    """A Vietnamese body ending with a name in mixed case, alone in its right-aligned or bold
    paragraph ("Minh Khang", the papers' `<p style="text-align:right"><strong>Võ Hải</strong></p>`):
    that line is the byline, it leaves the body and becomes the author."""
    if edges.author or len(edges.lines) < 2:
        return
    line = normalize_inline(edges.lines[-1])
    words = line.split()
    if (
        not 2 <= len(words) <= 5
        or len(line) > 40
        or not all(_NAME_WORD.match(w) and w[0].isupper() for w in words)
    ):
        return
    for node in page.body_tree.iter("p", "div"):
        if normalize_inline(node.text_content()) == line and _right_aligned_or_bold(node):
            edges.author = line
            edges.lines.pop()
            return


def _lines_after_container(page: ParsedPage, container: HtmlElement | None, limit: int = 8) -> list[str]:
    """Whole lines (leaf blocks) after the container, so a label and its value stay together."""
    if container is None:
        return []
    lines: list[str] = []
    for node in iter_after(last_descendant(container)):
        if not isinstance(node.tag, str) or node.tag in ("script", "style"):
            continue
        if node.tag in ("p", "div", "li", "span", "td") and is_leaf_block(node):
            text = normalize_inline(node.text_content())
            if not text:
                continue
            if TAIL_HEADER.match(text) or is_widget_line(text):
                break
            lines.append(text)
            if len(lines) >= limit:
                break
    return lines


def choose_author(
    page: ParsedPage, edges: Edges, container: HtmlElement | None, vietnamese: bool = True
) -> tuple[str | None, str | None]:
    """(author, source): hint, the body's byline, a labelled line after `container` (a node of
    page.tree, or None), then the page's metadata when nothing else named an author. On a page that is
    not Vietnamese the metadata comes before the body's byline: a short line in capitals ending such a
    body is more often a wire's name ("AP", "REUTERS") than the portals' signature."""
    author = page.hinted_text("author")
    source = edges.source
    if author:
        hinted_author, hinted_source = parse_byline(author)
        author = hinted_author or author
        source = source or hinted_source
    if not author and not vietnamese:
        author = metadata_author(page)
    author = author or edges.author
    if not author or not source:
        after_author = after_source = None
        for line in _lines_after_container(page, container):
            found_author, found_source = parse_byline(line, labelled_only=True)
            after_author, after_source = after_author or found_author, after_source or found_source
        author, source = author or after_author, source or after_source
    if not author:
        author = metadata_author(page)
    return author or None, source or None
