"""What every command shares: the registry files to read, and the --registry option."""

from __future__ import annotations

from pathlib import Path


def with_registry(parser):
    parser.add_argument("--registry", action="append", metavar="FILE",
                        help="extra registry TOML file (repeatable; also PORTALNEWS_REGISTRY)")
    return parser


def registry_files(args) -> list[Path]:
    """PORTALNEWS_REGISTRY's files, then --registry's: read here once and handed on explicitly."""
    from portalnews.config import registry_files as configured

    return configured() + [Path(f) for f in (args.registry or [])]


def registry(args) -> dict:
    from portalnews.registry import load_registry

    return load_registry(registry_files(args))
