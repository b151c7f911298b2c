"""The registry: built-in portals, user files that add or correct entries, and clear errors."""

from __future__ import annotations

import pytest

from portalnews.registry import RegistryError, load_registry, select


def test_builtin_registry_lists_the_six_city_portals():
    portals = load_registry()
    assert {"hanoi", "hcm", "haiphong", "danang", "cantho", "hue"} <= set(portals)
    assert "thanhuytphcm.vn" in portals["hcm"].hosts and "www.hcmcpv.org.vn" in portals["hcm"].hosts


def test_a_user_file_adds_a_portal_with_the_five_required_keys(tmp_path):
    user = tmp_path / "mine.toml"
    user.write_text('''
[[portal]]
id = "thainguyen"
name = "Đảng bộ tỉnh Thái Nguyên"
base_url = "https://thainguyen.dcs.vn/"
start_urls = ["https://thainguyen.dcs.vn/news/"]
article_url_pattern = '/news/[^/]+/[^/]+-\\d+\\.html$'
''', encoding="utf-8")
    portals = load_registry([user])
    assert portals["thainguyen"].name == "Đảng bộ tỉnh Thái Nguyên"
    assert "hanoi" in portals  # built-ins stay


def test_a_family_supplies_defaults_so_a_provincial_portal_needs_few_lines(tmp_path):
    user = tmp_path / "mine.toml"
    user.write_text('''
[[portal]]
id = "binhphuoc"
name = "Tỉnh ủy Bình Phước"
base_url = "https://tinhuybinhphuoc.vn/"
start_urls = ["https://tinhuybinhphuoc.vn/news/"]
family = "nukeviet"
''', encoding="utf-8")
    portal = load_registry([user])["binhphuoc"]
    assert portal.article_regex.search("https://tinhuybinhphuoc.vn/news/thoi-su/tin-moi-1234.html")
    assert "/sitemap-vi.news.xml" in portal.sitemap_paths


def test_a_later_file_corrects_an_entry_by_id(tmp_path):
    user = tmp_path / "fix.toml"
    user.write_text('''
[[portal]]
id = "hue"
name = "Đảng bộ Thành phố Huế"
base_url = "https://thanhuyhue.vn/"
start_urls = ["https://thanhuyhue.vn/tin-tuc"]
article_url_pattern = '/tin-tuc/.+-\\d+$'
''', encoding="utf-8")
    assert load_registry([user])["hue"].start_urls == ("https://thanhuyhue.vn/tin-tuc",)


def test_a_loopback_portal_keeps_its_host_and_port(tmp_path):
    user = tmp_path / "local.toml"
    user.write_text('''
[[portal]]
id = "local"
name = "Local mirror"
base_url = "http://127.0.0.1:8701/"
start_urls = ["http://127.0.0.1:8701/tin-tuc"]
article_url_pattern = '/tin-tuc/.+'
''', encoding="utf-8")
    portal = load_registry([user], include_builtin=False)["local"]
    assert "127.0.0.1" in portal.hosts


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            'id = "x1"\nname = "n"\nbase_url = "u"\nstart_urls = ["u"]',
            "missing required key 'article_url_pattern'",
        ),
        (
            'id = "Bad Id"\nname = "n"\nbase_url = "u"\nstart_urls = ["u"]\narticle_url_pattern = "a"',
            "id must match",
        ),
        (
            'id = "x2"\nname = "n"\nbase_url = "u"\nstart_urls = ["u"]\narticle_url_pattern = "(("',
            "not a valid regex",
        ),
        (
            'id = "x3"\nname = "n"\nbase_url = "u"\nstart_urls = ["u"]\narticle_url_pattern = "a"\nfamily = '
            '"joomla"',
            "unknown family 'joomla'",
        ),
        (
            'id = "x4"\nname = "n"\nbase_url = "u"\nstart_urls = ["u"]\narticle_url_pattern = '
            '"a"\nstrat_urls = []',
            "unknown keys ['strat_urls']",
        ),
    ],
)
def test_a_malformed_entry_is_rejected_naming_file_portal_and_key(tmp_path, entry, message):
    bad = tmp_path / "bad.toml"
    bad.write_text("[[portal]]\n" + entry + "\n", encoding="utf-8")
    with pytest.raises(
        RegistryError, match=message.replace("[", r"\[").replace("]", r"\]").replace("(", r"\(")
    ) as err:
        load_registry([bad])
    assert str(bad) in str(err.value)


def test_selecting_an_unknown_portal_names_the_known_ones():
    with pytest.raises(RegistryError, match="unknown portal id.*known: cantho"):
        select(load_registry(), ["nowhere"])
