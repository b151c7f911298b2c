"""The architecture, checked: one import namespace, and layers whose imports point one way.

    top      portalnews.jobs, .cli, .airflow_env, .mirror, .airflow_tasks, dags/  (run the steps, for people and Airflow)
    stages   portalnews.pipelines   (raw page kept -> clean -> dedupe -> load)
    crawl    portalnews.spiders     (Scrapy: discovery and fetch)
    base     portalnews.store | portalnews.extraction   (PostgreSQL | HTML -> Article, pure)
    domain   portalnews.registry, portalnews.vietnamese
    config   portalnews.config

A module may import from its own package and from lower layers only; the two halves of `base`
never import each other, and extraction imports no database, Scrapy or Airflow code.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import portalnews

REPO = Path(__file__).resolve().parent.parent

LAYERS = {
    "portalnews.config": 0,
    "portalnews.registry": 1,
    "portalnews.vietnamese": 1,
    "portalnews.store": 2,
    "portalnews.extraction": 2,
    "portalnews.archives": 2,  # WARC/WACZ, Parquet and CDX formats; no database (pure, below)
    "portalnews.spiders": 3,
    "portalnews.pipelines": 4,
    "portalnews.jobs": 5,
    "portalnews.airflow_env": 5,
    "portalnews.mirror": 5,
    "portalnews.monitoring": 5,
    "portalnews.cli": 6,
    "portalnews.airflow_tasks": 6,  # the TaskFlow tasks the DAG files share
    "dags": 7,
}
PURE = {"portalnews.extraction": ("psycopg2", "scrapy", "twisted", "airflow", "portalnews.store"),
        "portalnews.archives": ("psycopg2", "scrapy", "twisted", "airflow", "portalnews.store")}


def part_of(module: str) -> str:
    """The layered part a module belongs to; every module of the package must belong to one."""
    parts = [name for name in LAYERS if module == name or module.startswith(name + ".")]
    assert parts, f"{module} is in no layer: add it to LAYERS (and to the README's flow section)"
    return max(parts, key=len)


def source_files() -> dict[str, Path]:
    """Every module of the installed namespace (found the way Python finds it) and the DAG files."""
    import importlib.util

    files: dict[str, Path] = {}
    for package in ("portalnews", *(name for name in LAYERS if name.count(".") == 1)):
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            continue
        for folder in spec.submodule_search_locations:
            for path in Path(folder).glob("*.py"):
                name = package if path.stem == "__init__" else f"{package}.{path.stem}"
                files[name] = path
    for path in (REPO / "dags").glob("*.py"):
        files[f"dags.{path.stem}"] = path
    return files


def imports_of(path: Path) -> set[str]:
    """Absolute module names imported anywhere in the file (function-level imports included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def test_the_repo_folders_install_under_the_one_namespace():
    files = source_files()
    assert files["portalnews.spiders.portal_spider"] == REPO / "spiders" / "portal_spider.py"
    assert files["portalnews.pipelines.load"] == REPO / "pipelines" / "load.py"
    assert Path(portalnews.__file__).parent == REPO / "portalnews"


@pytest.mark.parametrize("top_level", ["spiders", "pipelines"])
def test_no_top_level_spiders_or_pipelines_package_is_importable_outside_the_repo(tmp_path, top_level):
    result = subprocess.run([sys.executable, "-c", f"import {top_level}"], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode != 0 and "ModuleNotFoundError" in result.stderr
    ok = subprocess.run([sys.executable, "-c", f"import portalnews.{top_level}"], cwd=tmp_path,
                        capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr


def test_imports_point_down_the_layers_only():
    wrong = []
    for module, path in source_files().items():
        if module == "portalnews":  # the package's own __init__: a docstring
            continue
        mine = part_of(module)
        for imported in imports_of(path):
            # (`from portalnews import jobs` is recorded as portalnews.jobs too)
            if not imported.startswith("portalnews."):
                continue
            theirs = part_of(imported)
            if theirs != mine and LAYERS[theirs] >= LAYERS[mine]:
                wrong.append(f"{module} ({mine}, layer {LAYERS[mine]}) imports {imported} (layer {LAYERS[theirs]})")
    assert not wrong, "\n".join(sorted(wrong))


def test_extraction_is_pure():
    wrong = []
    for module, path in source_files().items():
        if module == "portalnews":
            continue
        for package, forbidden in PURE.items():
            if part_of(module) == package:
                wrong += [f"{module} imports {name}" for name in imports_of(path)
                          if name.split(".")[0] in forbidden or name.startswith(forbidden)]
    assert not wrong, "\n".join(wrong)


def test_no_module_is_a_grab_bag_over_400_lines():
    long = {module: n for module, path in source_files().items()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > 400}
    assert not long, long


def test_a_built_wheel_holds_only_the_portalnews_namespace_with_its_data_files(tmp_path):
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                            "-w", str(tmp_path), str(REPO)], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr[-2000:]
    import zipfile

    (wheel,) = tmp_path.glob("portalnews-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top_level = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert top_level == {"portalnews"}
    for needed in ("portalnews/spiders/portal_spider.py", "portalnews/spiders/settings.py",
                   "portalnews/pipelines/load.py", "portalnews/archives/warc.py", "portalnews/registry/portals.toml",
                   "portalnews/registry/families.toml", "portalnews/store/migrations/0001_initial.sql"):
        assert needed in names


def test_scrapy_finds_the_project_and_its_spiders_from_the_repo_and_from_anywhere(tmp_path):
    import os

    from portalnews.jobs import SCRAPY_SETTINGS_MODULE

    in_repo = subprocess.run([sys.executable, "-m", "scrapy", "list"], cwd=REPO, capture_output=True, text=True)
    elsewhere = subprocess.run([sys.executable, "-m", "scrapy", "list"], cwd=tmp_path, capture_output=True, text=True,
                               env=dict(os.environ, SCRAPY_SETTINGS_MODULE=SCRAPY_SETTINGS_MODULE))
    for listed in (in_repo, elsewhere):
        assert listed.stdout.split() == ["archive", "portal", "portal_check"], listed.stderr[-2000:]
