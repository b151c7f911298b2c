"""`portalnews mirror`: serve recorded portal sites on 127.0.0.1 (tests, demos)."""

from __future__ import annotations

import time
from pathlib import Path


def cmd_mirror(args) -> int:
    from portalnews.mirror import serve

    mirrors = serve([Path(d) for d in args.sites], args.port)
    registry = Path(args.write_registry) if args.write_registry else None
    texts = []
    for m in mirrors:
        print(f"{m.site_dir.name}: {m.origin}/", flush=True)
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
    p.set_defaults(func=cmd_mirror)
