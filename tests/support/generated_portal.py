"""A generated NukeViet-style party-committee portal of N articles, with the gold answer of each page.

    python tests/support/generated_portal.py DIR [--articles N] [--portals K] [--serve]

Writes a site directory that `portalnews.mirror.SiteMirror` serves on 127.0.0.1 (`www/`,
`routes.toml`, `portal.toml`) plus `gold.json` (path -> title, published_at, author as the page
shows them). Pages look like NukeViet 4 article pages: a big menu, inline scripts, "Tin mới" and
"Xem nhiều" sidebars with dozens of links, the article (title, `h-date`, lead, body) and a byline
in one of NukeViet's two forms; page sizes are 61-117 KB like the real portals'. Categories list
20 articles per page with `page-N` pagination; `/sitemap.xml` (an index) points at a news sitemap
with W3C `lastmod`; `/rss/` holds the newest 50. The same seed gives the same site.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import unicodedata
from datetime import datetime, timedelta
from html import escape
from pathlib import Path

VIETNAM_OFFSET = "+07:00"
PER_PAGE = 20
CATEGORIES = [("thoi-su", "Thời sự"), ("xay-dung-dang", "Xây dựng Đảng"), ("kinh-te", "Kinh tế"),
              ("van-hoa-xa-hoi", "Văn hóa - Xã hội"), ("quoc-phong-an-ninh", "Quốc phòng - An ninh")]
WEEKDAYS = ["Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy", "Chủ nhật"]
VOCABULARY = (
    "Đảng bộ tỉnh triển khai nghị quyết hội nghị Ban Chấp hành cán bộ đảng viên nhân dân xây dựng chỉnh đốn "
    "tổ chức bộ máy tinh gọn hiệu lực hiệu quả phát triển kinh tế xã hội năm nay kế hoạch công tác kiểm tra "
    "giám sát tuyên truyền học tập làm theo tư tưởng đạo đức phong cách Hồ Chí Minh chuyển đổi số chính "
    "quyền "
    "địa phương hai cấp đồng chí Bí thư Tỉnh ủy Chủ tịch Ủy ban nhân dân các sở ban ngành đoàn thể huyện xã "
    "phường thị trấn nông thôn mới giảm nghèo bền vững an sinh quốc phòng an ninh trật tự an toàn đại hội "
    "chi bộ nhiệm kỳ thành công tốt đẹp đoàn kết dân chủ kỷ cương đổi mới sáng tạo hội nhập"
)
WORDS = VOCABULARY.split()
GIVEN = ["Minh Anh", "Thu Hà", "Ngọc Hà", "Thanh Tùng", "Mai Quế", "Hồng Vân", "Quốc Thanh", "Thu Trang",
         "Mạnh Hùng", "Như Ý", "Thanh Hiền", "Hoàng Linh"]


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    ascii_text = "".join(c for c in ascii_text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")


def sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def paragraph(rng: random.Random) -> str:
    return " ".join(sentence(rng, rng.randint(12, 24)) for _ in range(rng.randint(3, 6)))


class Article:
    def __init__(self, rng: random.Random, number: int, published: datetime):
        self.id = 10000 + number
        self.category, self.category_name = CATEGORIES[number % len(CATEGORIES)]
        self.title = sentence(rng, rng.randint(8, 14))[:-1]
        self.slug = slugify(self.title)[:60].rstrip("-")
        self.path = f"/news/{self.category}/{self.slug}-{self.id}.html"
        self.published = published
        self.lead = sentence(rng, rng.randint(25, 40))
        self.paragraphs = [paragraph(rng) for _ in range(rng.randint(4, 22))]
        kind = rng.randrange(3)
        given = rng.choice(GIVEN)
        # The three byline shapes the recorded NukeViet pages show; the gold is the page's own form.
        if kind == 0:
            self.author, self.byline = "PV", '<p style="text-align: right;"><strong>PV</strong></p>'
        elif kind == 1:
            self.author = given.upper()
            self.byline = f'<p style="text-align: right;"><strong>{escape(self.author)}</strong></p>'
        else:
            self.author = given
            self.byline = f'<p class="h5 text-right"><strong>Tác giả bài viết: </strong>{escape(given)}</p>'

    @property
    def stamp(self) -> str:
        return self.published.strftime("%H:%M %d/%m/%Y")

    def gold(self) -> dict:
        return {
            "title": self.title,
            "published_at": self.published.strftime("%Y-%m-%dT%H:%M:00") + VIETNAM_OFFSET,
            "author": self.author,
        }


def _head(title: str, extra: str, rng: random.Random) -> str:
    # NukeViet inlines its theme configuration and block scripts: most of a real page's weight.
    config = json.dumps({f"block_{i}": {"id": i, "title": sentence(rng, 6), "weight": rng.randint(1, 99),
                                         "config": {"numrow": 10, "showtooltip": 1, "tooltip_length": 150}}
                         for i in range(rng.randint(170, 430))}, ensure_ascii=False)
    return (f'<!DOCTYPE html>\n<html lang="vi"><head>\n<title>{escape(title)}</title>\n'
            '<meta name="generator" content="NukeViet v4.5">\n'
            '<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\n'
            '<link rel="alternate" href="/rss/" title="Tin Tức" type="application/rss+xml">\n'
            f'{extra}<script>var nv_base_siteurl="/",nv_lang_data="vi",nv_module_name="news";\n'
            f'var nv_block_config = {config};</script>\n</head>\n')


def _menu() -> str:
    items = "".join(
        f'<li><a href="/news/{slug}/" title="{name}">{name}</a></li>' for slug, name in CATEGORIES
    )
    pages = "".join(f'<li><a href="/page/trang-{i}.html">{escape(WORDS[i % len(WORDS)].title())} {i}</a></li>'
                    for i in range(40))
    return (f'<header><div class="logo"><a href="/"><img src="/uploads/logo.png" alt="Cổng thông tin"></a>'
            f'<span class="site_name">Cổng thông tin điện tử Đảng bộ tỉnh</span></div></header>\n'
            f'<nav class="second-nav"><ul class="nav navbar-nav"><li><a href="/">Trang nhất</a></li>{items}'
            f'<li class="dropdown"><ul class="dropdown-menu">{pages}</ul></li></ul></nav>\n')


def _sidebar(newest: list[Article], popular: list[Article]) -> str:
    def block(heading, articles):
        rows = "".join(
            f'<li class="clearfix"><a href="{a.path}" title="{escape(a.title)}">{escape(a.title)}</a>'
            f' <span class="text-muted">{a.stamp}</span></li>'
            for a in articles
        )
        return (f'<div class="panel panel-primary"><div class="panel-heading">{heading}</div>'
                f'<div class="panel-body"><ul class="list-none list-items">{rows}</ul></div></div>')
    return f'<div class="col-sm-8 col-md-8">{block("Tin mới", newest)}{block("Xem nhiều", popular)}</div>'


FOOTER = (
    '<footer id="footer"><h3>Cổng thông tin điện tử Đảng bộ tỉnh</h3><p>Cơ quan chủ quản: Ban Tuyên giáo '
    'Tỉnh ủy. Giấy phép số 45/GP-TTĐT.</p><ul class="company_info"><li><a href="/contact/">Liên hệ</a></li>'
    '</ul><p class="copyright">© Bản quyền thuộc về Tỉnh ủy. Powered by NukeViet CMS</p></footer>'
    '<script src="/themes/default/js/main.js"></script></body></html>\n'
)


def article_page(
    a: Article, rng: random.Random, newest: list[Article], popular: list[Article], origin: str
) -> str:
    weekday = WEEKDAYS[a.published.weekday()]
    body = "".join(f'<p style="text-align: justify;">{escape(p)}</p>' for p in a.paragraphs)
    meta = (f'<meta property="og:title" content="{escape(a.title)}">\n'
            f'<link rel="canonical" href="{origin}{a.path}">\n')
    return (
        _head(f"{a.title} - {a.category_name}", meta, rng)
        + "<body>"
        + _menu()
        + '<div class="row"><div class="col-sm-16 col-md-16">'
        + '<div class="news_column panel panel-default" itemtype="http://schema.org/NewsArticle" itemscope>'
        + '<div class="panel-body"><h1 class="title margin-bottom-lg" '
            f'itemprop="headline">{escape(a.title)}</h1>'
        + f'<div class="row"><div class="col-md-12"><span class="h-date">{weekday} - '
        + f"{a.published.strftime('%d/%m/%Y %H:%M')}</span></div></div>"
        + f'<div class="hometext m-bottom" itemprop="description">{escape(a.lead)}</div>'
        + f'<div id="news-bodyhtml" class="bodytext margin-bottom-lg">{body}{a.byline}</div></div></div>'
        + '<div class="news_column panel panel-default"><div class="panel-body"><span class="rating-label">'
        + "ĐÁNH GIÁ BÀI VIẾT</span></div></div></div>"
        + _sidebar(newest, popular)
        + "</div>"
        + FOOTER
    )


def listing_page(slug: str, name: str, number: int, pages: int, items: list[Article], rng: random.Random,
                 newest: list[Article]) -> str:
    cards = "".join(
        f'<div class="news_column"><div class="panel-body"><h3><a href="{a.path}" title="{escape(a.title)}">'
        f'{escape(a.title)}</a></h3><div class="text-muted"><ul class="list-inline"><li>{a.stamp}</li></ul>'
        f'</div><p>{escape(a.lead[:180])}...</p></div></div>' for a in items)
    links = "".join(f'<li><a href="/news/{slug}/page-{n}">{n}</a></li>' if n > 1
                    else f'<li><a href="/news/{slug}/">1</a></li>' for n in range(1, pages + 1))
    nxt = f'<li><a href="/news/{slug}/page-{number + 1}">»</a></li>' if number < pages else ""
    link_next = f'<link rel="next" href="/news/{slug}/page-{number + 1}">\n' if number < pages else ""
    return (_head(f"{name} - Trang {number}", link_next, rng) + "<body>" + _menu()
            + f'<div class="row"><div class="col-sm-16 col-md-16">{cards}'
            + f'<div class="text-center"><ul class="pagination">{links}{nxt}</ul></div></div>'
            + _sidebar(newest, newest[::-1]) + "</div>" + FOOTER)


def generate(
    directory: Path,
    articles: int = 2000,
    seed: int = 12,
    portal_id: str = "gen_nukeviet",
    newest_at: datetime = datetime(2025, 6, 30, 17, 45),
    per_page: int = PER_PAGE,
) -> dict[str, dict]:
    """Write the site into `directory`; return the gold answers (also written to gold.json)."""
    rng = random.Random(seed)
    www = directory / "www"
    www.mkdir(parents=True, exist_ok=True)
    # Newest first, one article every 2 h 17 min: distinct minutes, every weekday and hour.
    site = [Article(rng, n, newest_at - timedelta(minutes=137 * n)) for n in range(articles)]
    newest = site[:50]
    for a in site:
        page = www / a.path.lstrip("/")
        page.parent.mkdir(parents=True, exist_ok=True)
        popular = [site[rng.randrange(len(site))] for _ in range(50)]
        page.write_text(article_page(a, rng, newest, popular, "{{ORIGIN}}"), encoding="utf-8")
    for slug, name in CATEGORIES:
        in_category = [a for a in site if a.category == slug]
        pages = max(1, -(-len(in_category) // per_page))
        for number in range(1, pages + 1):
            items = in_category[(number - 1) * per_page:number * per_page]
            target = www / "news" / slug / ("" if number == 1 else f"page-{number}") / "index.html"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(listing_page(slug, name, number, pages, items, rng, newest), encoding="utf-8")
    urls = "".join(f"<url><loc>{{{{ORIGIN}}}}{a.path}</loc><lastmod>{a.published.isoformat()}{VIETNAM_OFFSET}"
                   "</lastmod></url>\n" for a in site)
    (www / "sitemap-vi.news.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{urls}</urlset>\n", encoding="utf-8")
    (www / "sitemap.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        "<sitemap><loc>{{ORIGIN}}/sitemap-vi.news.xml</loc></sitemap></sitemapindex>\n", encoding="utf-8")
    items = "".join(f"<item><title>{escape(a.title)}</title><link>{{{{ORIGIN}}}}{a.path}</link>"
                    f"<pubDate>{a.published.strftime('%a, %d %b %Y %H:%M:00')} +0700</pubDate></item>\n"
                    for a in site[:50])
    (www / "rss").mkdir(exist_ok=True)
    (www / "rss" / "index.xml").write_text(
        f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>Tin Tức</title>\n{items}'
        "</channel></rss>\n", encoding="utf-8")
    (www / "robots.txt").write_text("User-agent: *\nDisallow: /admin/\nAllow: /\n\n"
                                    "Sitemap: {{ORIGIN}}/sitemap.xml\n", encoding="utf-8")
    (directory / "routes.toml").write_text(
        '[[route]]\npath = "/rss/"\nfile = "www/rss/index.xml"\ncontent_type = "application/rss+xml; '
        'charset=utf-8"\n',
        encoding="utf-8",
    )
    starts = ", ".join(f'"{{{{ORIGIN}}}}/news/{slug}/"' for slug, _ in CATEGORIES)
    (directory / "portal.toml").write_text(
        f'[[portal]]\nid = "{portal_id}"\nname = "Cổng thông tin Đảng bộ tỉnh (generated, '
        f'{articles} articles)"\n'
        f'base_url = "{{{{ORIGIN}}}}/"\nfamily = "nukeviet"\nstart_urls = [{starts}]\n'
        f"max_listing_pages = {max(30, articles // per_page)}\n"
        # Politeness off: the server is on loopback and the benchmark measures the pipeline.
        "settings = { DOWNLOAD_DELAY = 0, AUTOTHROTTLE_ENABLED = false, CONCURRENT_REQUESTS = 16,"
        " CONCURRENT_REQUESTS_PER_DOMAIN = 16 }\n",
        encoding="utf-8",
    )
    gold = {a.path: a.gold() for a in site}
    (directory / "gold.json").write_text(json.dumps(gold, ensure_ascii=False, indent=0), encoding="utf-8")
    return gold


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--portals", type=int, default=1, help="K sites DIR/p01..pK, ids gen_p01..")
    parser.add_argument("--serve", action="store_true", help="serve on 127.0.0.1 until interrupted")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from portalnews.mirror import SiteMirror

    sites = (
        [args.directory]
        if args.portals == 1
        else [args.directory / f"p{k:02d}" for k in range(1, args.portals + 1)]
    )
    for k, site in enumerate(sites, 1):
        if not (site / "gold.json").exists():
            generate(
                site,
                args.articles,
                seed=12 + k - 1,
                portal_id="gen_nukeviet" if args.portals == 1 else f"gen_p{k:02d}",
            )
    if not args.serve:
        return
    # Pages rendered and gzipped once: the server shares the benchmark's cores with what it measures.
    mirrors = [SiteMirror(site).prepare_all().start() for site in sites]
    for mirror in mirrors:
        print(mirror.registry_text(), flush=True)
    print("# serving; Ctrl-C stops", flush=True)
    try:
        import threading
        threading.Event().wait()
    except KeyboardInterrupt:
        for mirror in mirrors:
            mirror.stop()


if __name__ == "__main__":
    main()
