"""A small portal written by each test on the spot, served by the real mirror on 127.0.0.1, that
misbehaves on purpose: local-file links, redirect loops, gzip bombs, 503s with Retry-After.

    site = HostileSite(tmp_path).article("tin-a-1").listing(["tin-a-1"]).serve()

Articles are short but real Vietnamese news pages, so the real cleaning step keeps their text.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from portalnews.mirror import Response, SiteMirror
from portalnews.registry import Portal, load_registry

ARTICLE = """<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><title>{title}</title>
<meta property="article:published_time" content="2025-03-0{day}T08:00:00+07:00"></head>
<body><header><nav><a href="/">Trang chủ</a></nav></header>
<article><h1>{title}</h1><p class="date">0{day}/03/2025 08:00</p>
<p>Sáng nay, Ban Thường vụ Thành ủy tổ chức hội nghị {title_lower}, với sự tham dự của đại diện các
sở, ban, ngành và Mặt trận Tổ quốc thành phố.</p>
<p>Phát biểu tại hội nghị, đồng chí Bí thư Thành ủy nhấn mạnh yêu cầu nâng cao chất lượng sinh hoạt
chi bộ, gắn trách nhiệm người đứng đầu với kết quả thực hiện nhiệm vụ chính trị của địa phương.</p>
<p>Hội nghị thống nhất giao các đảng bộ trực thuộc xây dựng kế hoạch cụ thể, báo cáo kết quả trước
ngày 30 tháng 6 năm 2025 để Ban Thường vụ theo dõi, đôn đốc và kịp thời tháo gỡ khó khăn.</p>
</article><footer>Cổng thông tin điện tử Đảng bộ thành phố</footer></body></html>
"""

PORTAL = """[[portal]]
id = "{portal_id}"
name = "Hostile fixture portal"
base_url = "{{{{ORIGIN}}}}/"
start_urls = {start_urls}
article_url_pattern = '/bai-viet/[^/?#]+-\\d+\\.html$'
settings = {{ DOWNLOAD_DELAY = 0, AUTOTHROTTLE_ENABLED = false, RETRY_BACKOFF_BASE = 0.05, RETRY_TIMES = 2 }}
"""


class TimedMirror(SiteMirror):
    """The mirror, recording when each request arrived and answering scripted responses first."""

    def __init__(self, site_dir: Path):
        super().__init__(site_dir)
        self.arrivals: list[tuple[str, float]] = []
        self.scripted: dict[str, list[Response]] = {}  # path -> responses to give, in order, before the file
        self.before: dict[str, Callable[[], None]] = {}  # path -> run once when first requested

    def _resolve(self, target: str, *how) -> Response:
        self.arrivals.append((target, time.monotonic()))
        hook = self.before.pop(target, None)
        if hook:
            hook()
        queue = self.scripted.get(target)
        if queue:
            return queue.pop(0)
        return super()._resolve(target, *how)


class HostileSite:
    def __init__(self, root: Path, portal_id: str = "hostile"):
        self.dir = root / f"site-{portal_id}"
        (self.dir / "www" / "bai-viet").mkdir(parents=True)
        self.portal_id = portal_id
        self.start_paths: list[str] = []
        self.routes: list[str] = []
        self.write("robots.txt", "User-agent: *\nAllow: /\n")

    def write(self, path: str, text: str | bytes) -> HostileSite:
        target = self.dir / "www" / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            target.write_bytes(text)
        else:
            target.write_text(text, encoding="utf-8")
        return self

    def article(self, slug: str, title: str | None = None, day: int = 1) -> HostileSite:
        title = title or "Hội nghị " + slug.replace("-", " ")
        return self.write(
            f"bai-viet/{slug}.html", ARTICLE.format(title=title, title_lower=title.lower(), day=day)
        )

    def articles_listed(self, slugs: list[str]) -> HostileSite:
        """One article per slug (publication days spread over 1-9) and a home page listing them all."""
        for number, slug in enumerate(slugs, start=1):
            self.article(slug, day=number % 9 + 1)
        return self.listing([f"/bai-viet/{slug}.html" for slug in slugs])

    def listing(self, hrefs: list[str], path: str = "index.html") -> HostileSite:
        links = "\n".join(f'<li><a href="{h}">Bài {i}</a></li>' for i, h in enumerate(hrefs))
        self.start_paths.append("/" + path.removesuffix("index.html"))
        return self.write(path, f"<html><body><ul>{links}</ul></body></html>")

    def sitemap(self, locs: list[str], path: str = "sitemap.xml") -> HostileSite:
        urls = "".join(f"<url><loc>{loc}</loc></url>" for loc in locs)
        self.start_paths.append("/" + path)
        return self.write(path, '<?xml version="1.0" encoding="UTF-8"?>'
                                f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>')

    def feed(self, links: list[str], path: str = "rss.xml") -> HostileSite:
        items = "".join(
            f"<item><title>Bài {i}</title><link>{link}</link></item>" for i, link in enumerate(links)
        )
        self.start_paths.append("/" + path)
        return self.write(path, f'<?xml version="1.0"?><rss version="2.0"><channel><title>Tin</title>{items}'
                                "</channel></rss>")

    def redirect(self, path: str, to: str) -> HostileSite:
        self.routes.append(f'[[route]]\npath = "{path}"\nredirect = "{to}"\n')
        return self

    def serve(self) -> ServedHostileSite:
        (self.dir / "routes.toml").write_text("\n".join(self.routes), encoding="utf-8")
        starts = "[" + ", ".join(f'"{{{{ORIGIN}}}}{p}"' for p in self.start_paths) + "]"
        (self.dir / "portal.toml").write_text(PORTAL.format(portal_id=self.portal_id, start_urls=starts),
                                              encoding="utf-8")
        mirror = TimedMirror(self.dir).start()
        registry_file = self.dir / "registry.toml"
        registry_file.write_text(mirror.registry_text(), encoding="utf-8")
        (portal,) = load_registry([registry_file], include_builtin=False).values()
        return ServedHostileSite(mirror, registry_file, portal)


class ServedHostileSite:
    def __init__(self, mirror: TimedMirror, registry_file: Path, portal: Portal):
        self.mirror = mirror
        self.registry_file = registry_file
        self.portal = portal

    def url(self, path: str) -> str:
        return self.mirror.url(path)

    def stop(self) -> None:
        self.mirror.stop()
