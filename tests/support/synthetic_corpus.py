"""A synthetic corpus of portal articles as real portals make it, fast enough for 1,000,000 articles.

Each article has every row the pipeline would have written for it: raw page (a one-byte placeholder for
the gzipped HTML), extraction, article (fingerprint and Simhash by the load stage's own functions), URL,
story and MinHash signature with its band keys, and its facts (documents cited, officials named) as
the load stage records them. What makes it like a real portal's:

* every title distinct within a portal: built from an event, a place and a number that article n alone
  has (a mixed-radix reading of n), so same-title dedupe candidates do not grow with the corpus;
* bodies from a large combinatorial pool: a lead sentence of the article's own (its date, place and
  event), then sentences drawn from tens of thousands made of varied officials with their positions,
  documents (`Nghị quyết số 35-NQ/TW`, `Quyết định số 1234/QĐ-UBND`), places and figures, and the real
  sentences of the recorded fixture articles (tests/fixtures/sites);
* a few per cent of articles are another portal's recent article republished (its byline changed), in
  that article's story, as provincial portals republish directives and reports.

Facts are derived once per pool sentence (by `pipelines.load.facts.fact_rows`, the load stage's own) and
shifted to where the sentence stands in a body; the pool keeps only sentences whose mentions need no
other sentence to be resolved (no short form like "Nghị quyết 35"), so an article's facts are exactly
what the load stage would derive from it (tests/integration/test_synthetic_corpus.py checks a sample).
Rows are written with COPY.
"""

from __future__ import annotations

import glob
import hashlib
import io
import json
import multiprocessing
import random
import re
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from portalnews.extraction import Article
from portalnews.facts.documents import document_mentions
from portalnews.facts.officials import official_mentions
from portalnews.pipelines.load import dedupe, facts, stories
from portalnews.vietnamese.dates import VIETNAM
from portalnews.vietnamese.text import dedupe_form, normalize_text
from tests.support.paths import SITES_DIR

PORTALS = [f"synthetic_{n:02d}" for n in range(30)]
COPY_SHARE = 0.03  # articles republished from another portal (a story of two or more portals)
# Six years of articles up to today, so the health figures (the last 29 days) see a portal's usual flow.
CORPUS_START = datetime.now(VIETNAM).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(
    days=6 * 365
)

SURNAMES = [
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
    "Dương", "Lý", "Đinh", "Trịnh", "Mai", "Tạ"
]
MIDDLE_NAMES = [
    "Văn", "Thị", "Minh", "Quang", "Đức", "Thanh", "Hữu", "Ngọc", "Xuân", "Hồng", "Thu", "Quốc", "Anh",
    "Kim", "Trọng"
]
GIVEN_NAMES = [
    "An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hoa", "Hùng", "Hương", "Khánh",
    "Lan", "Linh", "Long", "Mai", "Nam", "Nga", "Nghĩa", "Phong", "Phúc", "Quân", "Sơn", "Tâm", "Thắng",
    "Thành", "Thảo", "Trung", "Tuấn", "Tú", "Vinh", "Yến", "Chính", "Đạt", "Hậu", "Kiên", "Lâm", "Lực",
    "Toàn", "Hiền", "Huệ", "Khoa", "Lộc", "Nhân", "Quyết", "Tài", "Thuận", "Uyên", "Việt"
]
PLACE_NAMES = [
    "Ba Đình", "Hoàn Kiếm", "Tây Hồ", "Long Biên", "Cầu Giấy", "Đống Đa", "Hai Bà Trưng", "Hoàng Mai",
    "Thanh Xuân", "Sóc Sơn", "Đông Anh", "Gia Lâm", "Nam Từ Liêm", "Thanh Trì", "Mê Linh", "Hà Đông",
    "Sơn Tây", "Ba Vì", "Phúc Thọ", "Đan Phượng", "Hoài Đức", "Quốc Oai", "Thạch Thất", "Chương Mỹ",
    "Thanh Oai", "Thường Tín", "Phú Xuyên", "Ứng Hòa", "Mỹ Đức", "Hải Châu", "Thanh Khê", "Sơn Trà",
    "Ngũ Hành Sơn", "Liên Chiểu", "Cẩm Lệ", "Hòa Vang", "Ninh Kiều", "Bình Thủy", "Cái Răng", "Ô Môn",
    "Thốt Nốt", "Cờ Đỏ", "Vĩnh Thạnh", "Thới Lai", "Hồng Bàng", "Ngô Quyền", "Lê Chân", "Hải An",
    "Kiến An", "Đồ Sơn", "Dương Kinh", "Thủy Nguyên", "An Dương", "An Lão", "Kiến Thụy", "Tiên Lãng",
    "Vĩnh Bảo", "Cát Hải", "Phú Vang", "Phú Lộc", "Hương Trà", "Hương Thủy", "Quảng Điền", "A Lưới",
    "Nam Đông", "Thủ Đức", "Bình Thạnh", "Gò Vấp", "Phú Nhuận", "Tân Bình", "Tân Phú", "Bình Tân",
    "Củ Chi", "Hóc Môn", "Bình Chánh", "Nhà Bè", "Cần Giờ", "Phong Điền",
]
UNITS = ["quận", "huyện", "phường", "xã", "thị xã", "thị trấn"]
PLACES = [f"{unit} {name}" for unit in UNITS for name in PLACE_NAMES]
# (position, where it sits after the name): what the officials rules read as a position
POSITIONS = ["Bí thư Thành ủy", "Phó Bí thư Thường trực Thành ủy", "Chủ tịch UBND thành phố",
             "Chủ tịch HĐND thành phố", "Trưởng Ban Tuyên giáo Thành ủy", "Trưởng Ban Tổ chức Thành ủy",
             "Chủ nhiệm Ủy ban Kiểm tra Thành ủy", "Phó Chủ tịch UBND thành phố", "Bí thư Tỉnh ủy",
             "Chủ tịch UBND tỉnh", "Trưởng Ban Dân vận Tỉnh ủy", "Chủ tịch Ủy ban MTTQ Việt Nam thành phố"]
DOCUMENTS = [  # (printed form, with {n} its number): party, state and local documents
    "Nghị quyết số {n}-NQ/TW của Bộ Chính trị", "Chỉ thị số {n}-CT/TW của Ban Bí thư",
    "Kết luận số {n}-KL/TW của Bộ Chính trị", "Quyết định số {n}/QĐ-UBND của UBND thành phố",
    "Nghị quyết số {n}/NQ-HĐND của HĐND thành phố", "Quyết định số {n}/QĐ-TTg của Thủ tướng Chính phủ",
    "Kế hoạch số {n}-KH/TU của Ban Thường vụ Thành ủy", "Nghị định số {n}/2023/NĐ-CP của Chính phủ",
]
TOPICS = ["chuyển đổi số", "xây dựng nông thôn mới", "cải cách hành chính", "giảm nghèo bền vững",
          "bảo vệ nền tảng tư tưởng của Đảng", "phát triển kinh tế tập thể", "phòng, chống tham nhũng",
          "công tác dân vận", "bảo vệ môi trường", "phát triển văn hóa đọc", "an toàn giao thông",
          "xây dựng tổ chức cơ sở đảng", "thu hút đầu tư", "chăm sóc sức khỏe nhân dân",
          "giáo dục chính trị tư tưởng", "quốc phòng toàn dân", "đô thị văn minh", "kinh tế số",
          "phòng chống thiên tai", "nước sạch nông thôn", "đào tạo nghề cho lao động", "bình đẳng giới",
          "an ninh trật tự cơ sở", "phòng cháy chữa cháy", "xây dựng gia đình văn hóa", "du lịch cộng đồng",
          "sản xuất nông nghiệp hữu cơ", "thanh toán không dùng tiền mặt", "bảo hiểm y tế toàn dân",
          "chỉnh trang đô thị", "khuyến học, khuyến tài", "đền ơn đáp nghĩa", "phát triển đảng viên mới",
          "công tác kiểm tra, giám sát", "hỗ trợ doanh nghiệp nhỏ và vừa", "chương trình OCOP"]
# Titles: each holds {place} and {k}, and no two share their fixed words, so (template, place, k) is
# one title; article n takes the combination its number spells (`title_of`).
TITLES = [
    "Hội nghị Ban Chấp hành Đảng bộ {place} lần thứ {k}",
    "{Place} kết nạp {k} đảng viên mới",
    "Kỳ họp thứ {k} HĐND {place}",
    "{Place}: {k} hộ thoát nghèo nhờ {topic}",
    "{Place} khánh thành {k} công trình chào mừng Đại hội",
    "Trao {k} Huy hiệu Đảng cho đảng viên {place}",
    "{Place} giải ngân {k} tỷ đồng vốn đầu tư công",
    "Đoàn công tác Thành ủy làm việc với {place} về {k} nhiệm vụ trọng tâm",
    "{Place} xử lý {k} vụ vi phạm trật tự xây dựng",
    "{Place} mở {k} lớp bồi dưỡng lý luận chính trị",
    "Cử tri {place} gửi {k} ý kiến về {topic}",
    "{Place} nhân rộng {k} mô hình {topic}",
    "{Place} vận động {k} triệu đồng ủng hộ Quỹ Vì người nghèo",
    "Biểu dương {k} điển hình học tập và làm theo Bác tại {place}",
    "{Place} hoàn thành {k} km đường giao thông nông thôn",
    "{Place} sơ kết {topic}: {k} tập thể được khen thưởng",
    "{Place} cấp {k} giấy chứng nhận quyền sử dụng đất",
    "Ngày hội Đại đoàn kết toàn dân tộc ở {k} khu dân cư {place}",
    "{Place} tiễn {k} thanh niên lên đường nhập ngũ",
    "Kiểm tra, giám sát {k} tổ chức đảng tại {place}",
]
LEADS = [
    "Ngày {date}, {place} tổ chức hội nghị triển khai {document} về {topic}.",
    "Sáng {date}, đồng chí {name}, {position} dự và chỉ đạo hội nghị tại {place}.",
    "Chiều {date}, {place} tổng kết công tác {topic} năm {year}.",
    "Ngày {date}, Ban Thường vụ Đảng ủy {place} họp bàn nhiệm vụ {topic}.",
]
# Body sentences are built from parts (opener, subject, verb, object, tail) with a slot every few words,
# so that two unrelated articles share few 4-word shingles (the MinHash unit), as on real portals:
# a template's fixed words shared by every article would make every article a story candidate of
# every other one, a cost growing with the corpus that real text does not have.
OPENERS = ["Năm {year},", "Trong {m} tháng đầu năm {year},", "Theo báo cáo của {place},", "Dịp này,",
           "Đến nay,", "Tại hội nghị ngày {d}/{m},", "Sáng {d}/{m},", "Chiều {d}/{m},", "Thời gian qua,",
           "Từ đầu năm {year} đến nay,", "Giai đoạn {year}-{year2},", "Theo kế hoạch năm {year2},",
           "Trước đó, ngày {d}/{m},", "Bên cạnh đó,", "Qua {k3} năm thực hiện,", "Tính đến ngày {d}/{m},",
           "Thực hiện {document},", "Căn cứ {document},", "Theo {document},", "Quán triệt {document},",
           "Phát biểu tại buổi làm việc, đồng chí {name}, {position} cho biết",
           "Theo đồng chí {name}, {position},",
           "Báo cáo với đoàn công tác, đồng chí {name}, {position} cho biết"]
SUBJECTS = ["UBND {place}", "Đảng ủy {place}", "Ủy ban MTTQ {place}", "Hội Nông dân {place}",
            "Đoàn Thanh niên {place}", "Hội Liên hiệp Phụ nữ {place}", "Hội Cựu chiến binh {place}",
            "Ban Thường vụ Đảng ủy {place}", "các chi bộ trực thuộc Đảng ủy {place}", "Công an {place}",
            "Phòng Giáo dục và Đào tạo {place}", "Trung tâm Y tế {place}", "Liên đoàn Lao động {place}",
            "Ban Chỉ huy Quân sự {place}", "Phòng Tài nguyên và Môi trường {place}", "Hợp tác xã {village}",
            "nhân dân {place}", "Ban Dân vận Đảng ủy {place}", "{k3} hộ dân {place}", "Khu dân cư số {k3}"]
VERBS = ["đã hoàn thành", "tiếp tục triển khai", "phấn đấu hoàn thành", "đã tổ chức", "vận động thực hiện",
         "rà soát, đánh giá", "chỉ đạo thực hiện", "đã hỗ trợ", "đã xây dựng", "tập trung thực hiện",
         "kiểm tra, giám sát", "nhân rộng", "đã giải quyết dứt điểm", "đã trao tặng", "đã ban hành",
         "triển khai có hiệu quả", "đẩy mạnh", "ra mắt", "đầu tư nâng cấp", "khảo sát, lựa chọn", "đăng ký",
         "bàn giao", "sơ kết", "tuyên truyền, phổ biến", "đề xuất bổ sung"]
NOUNS = ["chỉ tiêu", "mô hình", "công trình", "hồ sơ", "lớp tập huấn", "hộ gia đình", "tuyến đường",
         "chi bộ", "đảng viên", "câu lạc bộ", "tổ tự quản", "nhiệm vụ", "văn bản", "đợt kiểm tra", "suất quà",
         "phần việc", "điểm sinh hoạt", "sáng kiến", "đề án", "cuộc đối thoại", "căn nhà", "cuốn sách",
         "lượt khám bệnh", "ha lúa", "cây xanh", "camera an ninh", "ki-ốt", "thủ tục", "tấn hàng", "tin bài"]
LINKS = ["về", "phục vụ", "gắn với", "trong lĩnh vực", "liên quan đến", "hướng tới", "cho",
         "thuộc chương trình"]
TAILS = ["", ", đạt {p}% kế hoạch", ", tăng {p}% so với năm {year}",
         ", với tổng kinh phí hơn {k2} triệu đồng", " tại {k3} khu dân cư", " theo {document}",
         ", góp phần thực hiện {document}", " trước ngày {d}/{m}/{year2}",
         ", thu hút hơn {k2} lượt người tham gia", " dưới sự chỉ đạo của đồng chí {name}, {position}",
         " ở {village}", ", vượt {p} chỉ tiêu đề ra", " trong quý {q}", ", giảm {p} vụ so với cùng kỳ"]
VILLAGES = [f"{kind} {n}" for kind in ("thôn", "tổ dân phố", "ấp", "bản", "khu phố") for n in range(1, 40)]


def _capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


@dataclass(frozen=True)
class PoolSentence:
    text: str
    documents: tuple[dict, ...]  # document_mentions rows of the sentence alone (article_id not set)
    officials: tuple[dict, ...]


def context_free(text: str) -> bool:
    """Are the text's mentions complete on their own (no short form another sentence must resolve)?"""
    return (all(m.document_key for m in document_mentions(text))
            and all(m.complete for m in official_mentions(text)))


def fixture_sentences() -> list[str]:
    bodies = [json.loads(Path(f).read_text(encoding="utf-8"))
              for f in glob.glob(str(SITES_DIR / "*/expected/*.json"))]
    sentences = {s.strip() for b in bodies for s in re.split(r"(?<=[.!?…])\s+|\n+", b["body"])
                 if len(s.split()) >= 5}
    return sorted(sentences)


class Corpus:
    """Articles 0, 1, 2, ... of a corpus (article n on portal n % 30; ids n + 1), deterministic for a seed."""

    def __init__(self, seed: int = 9, pool_size: int = 40_000):
        self.seed = seed
        rng = random.Random(seed)
        self.names = [f"{s} {m} {g}" for s in SURNAMES for m in MIDDLE_NAMES for g in GIVEN_NAMES]
        texts = [normalize_text(t) for t in fixture_sentences()]
        texts += [normalize_text(self._fill(rng, self._sentence_template(rng))) for _ in range(pool_size)]
        self.pool = [self._pool_sentence(t) for t in dict.fromkeys(texts) if context_free(t)]
        self.fixture_sentences = len([t for t in fixture_sentences() if context_free(normalize_text(t))])

    def _fill(self, rng: random.Random, template: str, **given) -> str:
        name, name2 = rng.sample(self.names, 2)
        position, position2 = rng.sample(POSITIONS, 2)
        topic, topic2 = rng.sample(TOPICS, 2)
        year = rng.randint(2015, 2025)
        values = {
            "name": name, "name2": name2, "position": position, "position2": position2,
            "topic": topic, "topic2": topic2, "place": rng.choice(PLACES), "year": year,
            "year2": year + rng.randint(1, 10), "k": rng.randint(2, 4000), "k2": rng.randint(2, 900),
            "k3": rng.randint(2, 300), "p": rng.randint(10, 99), "m": rng.randint(2, 11),
            "d": rng.randint(1, 28), "q": rng.randint(1, 4), "village": rng.choice(VILLAGES),
            "document": rng.choice(DOCUMENTS).format(n=rng.randint(1, 3999)),
        }
        values.update(given)
        values["Place"] = _capitalized(values["place"])
        return template.format(**values)

    @staticmethod
    def _sentence_template(rng: random.Random) -> str:
        return (f"{rng.choice(OPENERS)} {rng.choice(SUBJECTS)} {rng.choice(VERBS)} {{k}} {rng.choice(NOUNS)}"
                f" {rng.choice(LINKS)} {{topic}}{rng.choice(TAILS)}.")

    @staticmethod
    def _pool_sentence(text: str) -> PoolSentence:
        rows = facts.fact_rows([(0, Article(title=None, body=text))])
        return PoolSentence(text, tuple(rows.documents), tuple(rows.officials))

    def title_of(self, n: int, rng: random.Random) -> str:
        """Article n's title: template n % 20, place and number from the rest of n (distinct for every n)."""
        template = TITLES[n % len(TITLES)]
        rest = n // len(TITLES)
        place = PLACES[(rest * 7) % len(PLACES)]  # 7 is prime to len(PLACES): neighbours differ in place
        k = rest // len(PLACES) + 2
        return normalize_text(self._fill(rng, template, place=place, k=k))

    def article(self, n: int, rng: random.Random, published: datetime | None = None) -> dict:
        """A new text (not a copy): title, lead, body and its facts rows (article_id not set)."""
        published = published or CORPUS_START + timedelta(minutes=rng.randrange(6 * 365 * 24 * 60))
        title = self.title_of(n, rng)
        lead = normalize_text(self._fill(rng, rng.choice(LEADS), date=f"{published.day}/{published.month}/"
                                         f"{published.year}", year=published.year))
        own = facts.fact_rows([(0, Article(title=title, body=lead))])
        documents, officials = list(own.documents), list(own.officials)
        lines, offset = [lead], len(lead) + 1
        for sentence in rng.sample(self.pool, rng.randint(7, 16)):
            lines.append(sentence.text)
            documents += [{**row, "start_offset": row["start_offset"] + offset} for row in sentence.documents]
            officials += [{**row, "start_offset": row["start_offset"] + offset} for row in sentence.officials]
            offset += len(sentence.text) + 1
        return {"title": title, "sapo": lead, "body": "\n".join(lines), "published_at": published,
                "documents": documents, "officials": officials}


def _csv_field(value) -> str:
    if value is None:
        return ""
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    return '"' + text.replace('"', '""') + '"'


class _Table:
    """Rows of one table for one COPY."""

    def __init__(self, name: str, columns: str):
        self.name, self.columns, self.buffer = name, columns, io.StringIO()

    def add(self, *values) -> None:
        self.buffer.write(",".join(map(_csv_field, values)) + "\n")

    def copy(self, cur) -> None:
        self.buffer.seek(0)
        cur.copy_expert(f"COPY {self.name} ({self.columns}) FROM STDIN WITH (FORMAT csv)", self.buffer)


_DOCUMENT_COLUMNS = ("article_id", "field", "start_offset", "document_key", "document_type", "number",
                     "symbol", "issuer", "term", "plenum", "issued_on", "sentence")
_OFFICIAL_COLUMNS = ("article_id", "field", "start_offset", "name", "position", "honorific", "sentence")


def article_rows(corpus: Corpus, start: int, stop: int) -> dict:
    """Articles start..stop-1 as CSV text per table (in the order of the foreign keys), with counts:
    copies (republished articles), document and official mentions. Article n has id and raw page id
    n + 1; a story has its first article's id. Pure: worker processes make chunks side by side."""
    rng = random.Random(corpus.seed * 1_000_003 + start)
    tables = {
        "raw_pages": "id, portal, requested_url, url, canonical_url, status, html_gz, content_sha256,"
                     " fetched_at",
        "extractions": "raw_page_id, extractor_version, extracted_at, ok, result, loaded_at",
        "stories": "id, first_portal, first_published_at, first_article_id",
        "articles": "id, portal, url, canonical_url, title, sapo, published_at, body, body_fingerprint,"
                    " body_simhash, raw_page_id, extractor_version, story_id, first_seen_at, updated_at",
        "article_urls": "portal, canonical_url, article_id, first_seen_at",
        "story_signatures": "article_id, minhash",
        "story_bands": "band, article_id",
        "article_facts": "article_id, rules_version",
        "document_mentions": ", ".join(_DOCUMENT_COLUMNS),
        "official_mentions": ", ".join(_OFFICIAL_COLUMNS),
    }
    out = {name: _Table(name, columns) for name, columns in tables.items()}
    recent: list[tuple[int, dict]] = []  # (n, article) of this chunk, the originals a copy may take
    counts = {"copies": 0, "documents": 0, "officials": 0}
    for n in range(start, stop):
        portal = PORTALS[n % len(PORTALS)]
        original = None
        if recent and rng.random() < COPY_SHARE:
            m, candidate = recent[rng.randrange(max(0, len(recent) - 3000), len(recent))]
            if m % len(PORTALS) != n % len(PORTALS):
                original = candidate
        if original is not None:  # republished a few hours later, the byline line changed
            a = {**original, "body": original["body"] + "\n" + rng.choice(["PV", "BBT", "Theo Thành ủy"]),
                 "published_at": original["published_at"] + timedelta(minutes=rng.randint(30, 2000))}
            counts["copies"] += 1
        else:
            a = corpus.article(n, rng)
            a["story_id"] = n + 1
            recent.append((n, a))
        article_id = n + 1
        url = f"http://{portal}.test/tin/{n}"
        fetched = a["published_at"] + timedelta(minutes=5 + n % 50)
        out["raw_pages"].add(article_id, portal, url, url, url, 200, "\\x00",
                             hashlib.sha256(url.encode()).hexdigest(), fetched)
        result = {"title": a["title"], "sapo": a["sapo"], "body": a["body"],
                  "published_at": a["published_at"].isoformat()}
        out["extractions"].add(article_id, "bench", fetched + timedelta(seconds=30), True,
                               json.dumps(result, ensure_ascii=False), fetched + timedelta(seconds=40))
        if original is None:
            out["stories"].add(article_id, portal, a["published_at"], article_id)
        form = dedupe_form(a["body"])  # the load stage's one comparison form for the three hashes
        out["articles"].add(article_id, portal, url, url, a["title"], a["sapo"], a["published_at"], a["body"],
                            dedupe.fingerprint_of_form(form), dedupe.Simhash(form).to_hex(), article_id,
                            "bench", a["story_id"], fetched, fetched)
        out["article_urls"].add(portal, url, article_id, fetched)
        signature = stories.minhash_of_form(form)
        out["story_signatures"].add(article_id, "{" + ",".join(map(str, signature)) + "}")
        for band in set(stories.band_keys(signature)):
            out["story_bands"].add(band, article_id)
        out["article_facts"].add(article_id, facts.RULES_VERSION)
        for row in a["documents"]:
            out["document_mentions"].add(article_id, *(row[c] for c in _DOCUMENT_COLUMNS[1:]))
        for row in a["officials"]:
            out["official_mentions"].add(article_id, *(row[c] for c in _OFFICIAL_COLUMNS[1:]))
        counts["documents"] += len(a["documents"])
        counts["officials"] += len(a["officials"])
    return {"stop": stop, "counts": counts,
            "tables": [(t.name, t.columns, t.buffer.getvalue()) for t in out.values()]}


def copy_rows(conn, rows: dict) -> dict:
    """Write what `article_rows` made, in one transaction; returns its counts."""
    with conn.cursor() as cur:
        # Rows consistent by construction (a story's first article comes in the same chunk): the
        # foreign keys' per-row triggers are skipped (superuser only; the bench's own server).
        cur.execute("SET LOCAL session_replication_role = replica")
        cur.execute("SET LOCAL synchronous_commit = off")
        for name, columns, text in rows["tables"]:
            cur.copy_expert(f"COPY {name} ({columns}) FROM STDIN WITH (FORMAT csv)", io.StringIO(text))
        for sequence in ("articles_id_seq", "stories_id_seq", "raw_pages_id_seq"):
            cur.execute(f"SELECT setval('{sequence}', greatest(%s, (SELECT last_value FROM {sequence})))",
                        (rows["stop"],))
    conn.commit()
    return rows["counts"]


_WORKER_CORPUS: Corpus | None = None  # the corpus a forked worker inherits


def _worker_rows(span: tuple[int, int]) -> dict:
    return article_rows(_WORKER_CORPUS, *span)


def write_articles(conn, corpus: Corpus, start: int, stop: int, chunk: int = 5_000,
                   workers: int = 2) -> dict:
    """Articles start..stop-1 with every row the pipeline writes for them: chunks made by `workers`
    forked processes while this one copies the chunks already made. Returns the summed counts."""
    global _WORKER_CORPUS
    spans = [(n, min(n + chunk, stop)) for n in range(start, stop, chunk)]
    totals = {"copies": 0, "documents": 0, "officials": 0}
    if workers <= 1 or len(spans) == 1:
        made = (article_rows(corpus, *span) for span in spans)
        for rows in made:
            for key, value in copy_rows(conn, rows).items():
                totals[key] += value
        return totals
    _WORKER_CORPUS = corpus
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        pending: deque = deque()  # at most workers + 1 chunks made ahead of the copying (memory)
        for span in spans:
            pending.append(pool.apply_async(_worker_rows, (span,)))
            if len(pending) > workers:
                for key, value in copy_rows(conn, pending.popleft().get()).items():
                    totals[key] += value
        while pending:
            for key, value in copy_rows(conn, pending.popleft().get()).items():
                totals[key] += value
    return totals
