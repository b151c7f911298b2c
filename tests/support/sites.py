"""Fixture sites as tests tune them: a served site's registry entry with extra keys."""

from __future__ import annotations

from portalnews.registry import load_registry


def with_settings(site, tmp_path, extra_lines: str):
    """The site's registry entry with extra keys (the user's way to tune a portal); a `settings`
    line given here replaces the entry's own."""
    lines = site.registry_file.read_text(encoding="utf-8").splitlines()
    if extra_lines.startswith("settings"):
        lines = [line for line in lines if not line.startswith("settings")]
    text = "\n".join(lines).replace("[[portal]]", "[[portal]]\n" + extra_lines, 1) + "\n"
    path = tmp_path / f"{site.portal.id}-tuned.toml"
    path.write_text(text, encoding="utf-8")
    return path, load_registry([path], include_builtin=False)[site.portal.id]
