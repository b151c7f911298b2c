"""`portalnews mirror`: serve recorded portal sites on 127.0.0.1 (tests, demos)."""

from __future__ import annotations

import sys
import time
from pathlib import Path


def _shifts(args) -> dict[str, int]:
    """Per site directory name, how many days its dates move (--dates-to-today, --silent-for)."""
    from portalnews.mirror import days_to_today

    silent = {}
    for item in args.silent_for or []:
        name, _, days = item.partition("=")
        if not days.isdigit():
            raise SystemExit(f"portalnews mirror: --silent-for wants SITE=DAYS, got {item!r}")
        silent[name] = int(days)
    if not args.dates_to_today:
        return {}
    return {Path(d).name: days_to_today(Path(d), silent.get(Path(d).name, 1)) for d in args.sites}


def cmd_mirror(args) -> int:
    from portalnews.mirror import serve

    try:
        mirrors = serve([Path(d) for d in args.sites], args.port, _shifts(args))
    except OSError as err:
        print(f"portalnews mirror: cannot listen on {err.strerror}; choose another first port with --port N"
              " (make demo MIRROR_PORT=N)", file=sys.stderr)
        return 1
    registry = Path(args.write_registry) if args.write_registry else None
    texts = []
    for m in mirrors:
        shifted = f" (dates moved {m.shift_days} days later)" if m.shift_days else ""
        print(f"{m.site_dir.name}: {m.origin}/{shifted}", flush=True)
        if (m.site_dir / "portal.toml").exists():
            texts.append(m.registry_text())
    if registry:
        registry.write_text("\n".join(texts), encoding="utf-8")
        print(f"registry for these sites written to {registry}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        for m in mirrors:
            m.stop()
    return 0


def add_commands(sub) -> None:
    p = sub.add_parser("mirror", help="serve recorded sites on 127.0.0.1")
    p.add_argument("sites", nargs="+")
    p.add_argument("--port", type=int, default=0, help="first port (default: free ports)")
    p.add_argument("--write-registry", metavar="FILE", help="write the sites' registry entries here")
    p.add_argument("--dates-to-today", action="store_true",
                   help="move every date a site shows so that its newest recorded article was published "
                        "yesterday, as on a live portal (a demo's health and charts)")
    p.add_argument("--silent-for", action="append", metavar="SITE=DAYS",
                   help="with --dates-to-today: this site's newest article DAYS days ago instead "
                        "(a portal that stopped publishing); repeatable")
    p.set_defaults(func=cmd_mirror)
