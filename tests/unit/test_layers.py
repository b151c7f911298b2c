"""The architecture, checked: one import namespace, and layers whose imports point one way.

The layers are import-linter contracts in pyproject.toml ([tool.importlinter]; README.md, "Layers"),
checked by .ci/lint_imports.py on the package as installed: every import counts, relative and
function-level ones too. What import-linter cannot see is checked here: every part of the package is in
a layer, and the dotted paths Scrapy's settings name by string import and respect the layers.
"""

from __future__ import annotations

import ast
import importlib.util
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import portalnews

REPO = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
(LAYERS_CONTRACT,) = [c for c in PYPROJECT["tool"]["importlinter"]["contracts"] if c["type"] == "layers"]
# Top first, as import-linter lists them; the parts of one layer are separated by "|".
LAYERS = [[part.strip() for part in layer.split("|")] for layer in LAYERS_CONTRACT["layers"]]


def layer_of(module: str) -> int:
    """The index of the module's layer in LAYERS (0 is the top); every module must be in one."""
    found = [(len(part), i) for i, layer in enumerate(LAYERS) for part in layer
             if module == part or module.startswith(part + ".")]
    assert found, (
        f"{module} is in no layer: add it to [tool.importlinter] in pyproject.toml and to README's Layers"
    )
    return max(found)[1]


def lint_imports_script():
    spec = importlib.util.spec_from_file_location("lint_imports", REPO / ".ci" / "lint_imports.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def source_files() -> dict[str, Path]:
    """Every module of the installed namespace, found the way Python finds it."""
    files: dict[str, Path] = {}
    for package in PYPROJECT["tool"]["setuptools"]["packages"]:
        spec = importlib.util.find_spec(package)
        for folder in spec.submodule_search_locations or []:
            for path in Path(folder).glob("*.py"):
                files[package if path.stem == "__init__" else f"{package}.{path.stem}"] = path
    return files


def test_the_repo_folders_install_under_the_one_namespace():
    files = source_files()
    assert files["portalnews.spiders.portal_spider"] == REPO / "spiders" / "portal_spider.py"
    assert files["portalnews.pipelines.load"] == REPO / "pipelines" / "load" / "__init__.py"
    assert Path(portalnews.__file__).parent == REPO / "portalnews"


@pytest.mark.parametrize("top_level", ["spiders", "pipelines"])
def test_no_top_level_spiders_or_pipelines_package_is_importable_outside_the_repo(tmp_path, top_level):
    result = subprocess.run(
        [sys.executable, "-c", f"import {top_level}"], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode != 0 and "ModuleNotFoundError" in result.stderr
    ok = subprocess.run([sys.executable, "-c", f"import portalnews.{top_level}"], cwd=tmp_path,
                        capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr


def test_the_import_contracts_hold():
    result = subprocess.run(
        [sys.executable, str(REPO / ".ci" / "lint_imports.py")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(("package", "sneaky_import", "contract"), [
    ("extraction", "from ..store import db", "never import each other"),
    ("store", "from ..cli import pipeline", "Imports point down the layers"),
    ("extraction", "def later():\n    import scrapy", "Extraction is pure"),
], ids=["relative import across the base layer", "upward import", "function-level import"])
def test_the_contracts_catch_the_imports_a_hand_written_check_missed(
    tmp_path, package, sneaky_import, contract
):
    root = lint_imports_script().installed_layout(tmp_path)
    linked = root / package
    linked.unlink()
    for path in (REPO / "portalnews" / package).glob("*.py"):
        (linked / path.name).parent.mkdir(exist_ok=True)
        (linked / path.name).symlink_to(path)
    (linked / "sneaky.py").write_text(sneaky_import + "\n", encoding="utf-8")
    result = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--no-cache", str(REPO / "pyproject.toml")],
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1 and f"portalnews.{package}.sneaky" in result.stdout, result.stdout[-3000:]
    assert re.search(rf"{contract}.* BROKEN", result.stdout)


def test_every_part_of_the_package_is_in_a_layer():
    for module in source_files():
        if module != "portalnews":  # the package's own __init__: a docstring
            layer_of(module)


def scrapy_dotted_paths() -> list[str]:
    """Every string of the Scrapy settings module that names a module or an object by its dotted path."""
    from portalnews.spiders import settings

    found = []
    for name in dir(settings):
        value = getattr(settings, name)
        for item in (value if isinstance(value, list | dict) else [value]):
            if isinstance(item, str) and re.fullmatch(r"[a-z_]\w*(\.[A-Za-z_]\w*)+", item):
                found.append(item)
    return found


@pytest.mark.parametrize("dotted", scrapy_dotted_paths())
def test_every_dotted_path_in_the_scrapy_settings_imports_and_respects_the_layers(dotted):
    from scrapy.utils.misc import load_object

    try:
        importlib.import_module(dotted)
    except ModuleNotFoundError:
        load_object(dotted)  # a class or function: module.attribute
    if dotted.startswith("portalnews."):
        assert layer_of(dotted) >= layer_of("portalnews.spiders.settings"), (
            f"the crawl's settings name {dotted}, above the crawl layer")


def test_scrapy_settings_name_the_projects_own_pieces():
    assert {"portalnews.spiders.raw_store.RawPageStorePipeline", "portalnews.spiders.portal_spider"} <= set(
        scrapy_dotted_paths())


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
                   "portalnews/pipelines/load/__init__.py", "portalnews/archives/warc.py",
                   "portalnews/registry/portals.toml",
                   "portalnews/registry/families.toml", "portalnews/store/migrations/0001_initial.sql"):
        assert needed in names


def test_scrapy_finds_the_project_and_its_spiders_from_the_repo_and_from_anywhere(tmp_path):
    import os

    from portalnews.jobs import SCRAPY_SETTINGS_MODULE

    in_repo = subprocess.run(
        [sys.executable, "-m", "scrapy", "list"], cwd=REPO, capture_output=True, text=True
    )
    elsewhere = subprocess.run(
        [sys.executable, "-m", "scrapy", "list"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=dict(os.environ, SCRAPY_SETTINGS_MODULE=SCRAPY_SETTINGS_MODULE),
    )
    for listed in (in_repo, elsewhere):
        assert listed.stdout.split() == ["archive", "portal", "portal_check"], listed.stderr[-2000:]


def test_tests_import_nothing_from_bench():
    """bench/ measures; what tests and benchmarks share lives in tests/support (bench imports it)."""
    offenders = []
    for path in sorted((REPO / "tests").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
            offenders += [
                f"{path.relative_to(REPO)}: {n}" for n in names if n == "bench" or n.startswith("bench.")
            ]
    assert not offenders
