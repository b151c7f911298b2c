"""What a crawl's Scrapy process loads: only what crawling needs (bench/throughput.py measures the memory)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

LOADED_BY_A_CRAWL = """
import json, sys
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.conf import build_component_list
from scrapy.utils.misc import load_object
from scrapy.utils.project import get_project_settings
settings = get_project_settings()
SpiderLoader.from_settings(settings)  # imports every spider module, as `scrapy crawl` does
for components in ("EXTENSIONS", "DOWNLOADER_MIDDLEWARES", "SPIDER_MIDDLEWARES", "ITEM_PIPELINES"):
    # as Scrapy's middleware managers do: every enabled component's class is imported
    for path in build_component_list(settings.get_component_priority_dict_with_base(components)):
        load_object(path)
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def test_a_crawl_process_loads_neither_the_extractor_nor_unused_scrapy_extensions():
    result = subprocess.run(
        [sys.executable, "-c", LOADED_BY_A_CRAWL],
        capture_output=True,
        text=True,
        env={"SCRAPY_SETTINGS_MODULE": "portalnews.spiders.settings", "PATH": "/usr/bin:/bin"},
        timeout=120,
        check=True,
    )
    packages = set(json.loads(result.stdout))
    assert "scrapy" in packages and "psycopg2" in packages  # the crawl's own modules did load
    # the portal crawl never cleans; `portalnews check` imports it on use
    assert "trafilatura" not in packages
    assert "aiohttp" not in packages  # Scrapy's remote-control extension is not part of a crawl


def test_the_check_spider_still_cleans_with_the_extractor_it_imports_on_use():
    from portalnews.spiders.check import _extraction

    extraction_error, extract_article = _extraction()
    assert issubclass(extraction_error, Exception)
    html = (
        "<html><head><title>Hội nghị Ban Chấp hành</title></head><body><article><h1>Hội nghị Ban Chấp "
        "hành</h1>"
        + "<p>Sáng nay, Ban Chấp hành Đảng bộ thành phố khai mạc hội nghị lần thứ mười.</p>" * 8
        + "</article></body></html>"
    ).encode()
    assert (
        extract_article(html, "https://example.dcs.vn/tin-tuc/hoi-nghi-1").title == "Hội nghị Ban Chấp hành"
    )


def test_the_process_running_a_portal_leaves_scrapy_to_the_crawl_process():
    """`portalnews run` and the DAG tasks run Scrapy in a child process; their own process (cleaning
    threads, the load stage) must not carry Scrapy, Twisted and warcio as well (23 MiB)."""
    result = subprocess.run(
        [sys.executable, "-c", "import json, sys, portalnews.cli, portalnews.jobs;"
         " print(json.dumps(sorted({name.split('.')[0] for name in sys.modules})))"],
        capture_output=True, text=True, timeout=120, check=True,
    )
    packages = set(json.loads(result.stdout))
    assert "psycopg2" in packages  # the pipeline's own modules did load
    assert not packages & {"scrapy", "twisted", "warcio"}


def test_the_crawl_process_entry_point_leaves_out_the_scrapy_commands_a_crawl_never_runs():
    """`scrapy crawl` (scrapy.cmdline) imports every Scrapy command to list them: unittest for `check`,
    pydantic through itemadapter, 10 MiB of the crawl process; the crawl's own entry point runs the same
    crawl through Scrapy's script API without them (`python -m scrapy list` is the contrast)."""
    loaded = LOADED_BY_A_CRAWL.replace("import json, sys",
                                       "import json, sys, portalnews.spiders.scrapy_crawl")
    env = {"SCRAPY_SETTINGS_MODULE": "portalnews.spiders.settings", "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", loaded], capture_output=True, text=True, env=env,
                            timeout=120, check=True)
    packages = set(json.loads(result.stdout))
    assert "scrapy" in packages and "portalnews" in packages
    assert not packages & {"unittest", "pydantic"}
    with_commands = subprocess.run(
        [sys.executable, "-c", "import json, sys; from scrapy.cmdline import execute\ntry: execute(['scrapy',"
         " 'list'])\nexcept SystemExit: print(json.dumps(sorted({n.split('.')[0] for n in sys.modules})))"],
        capture_output=True, text=True, env=env, timeout=120, check=True)
    assert {"unittest", "pydantic"} <= set(json.loads(with_commands.stdout.splitlines()[-1]))


def test_the_crawl_entry_point_says_which_spider_or_argument_is_wrong_and_fails():
    env = dict(os.environ, SCRAPY_SETTINGS_MODULE="portalnews.spiders.settings")
    unknown = subprocess.run([sys.executable, "-m", "portalnews.spiders.scrapy_crawl", "no_such_spider"],
                             capture_output=True, text=True, env=env, timeout=120)
    assert unknown.returncode != 0 and "Spider not found: no_such_spider" in unknown.stderr
    malformed = subprocess.run(
        [sys.executable, "-m", "portalnews.spiders.scrapy_crawl", "portal", "-s", "JOBDIR"],
        capture_output=True, text=True, env=env, timeout=120)
    assert malformed.returncode != 0 and "-s 'JOBDIR': expected NAME=VALUE" in malformed.stderr
