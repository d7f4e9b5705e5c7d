"""`python -m bench` lists the benchmarks; `python -m bench NAME [--quick]` runs one;
`python -m bench --all [--quick]` runs them all. Each prints human lines, then one JSON line."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import sys
import time
import traceback
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
ROOT = PACKAGE_DIR.parent


def discover() -> dict[str, str]:
    """{name: first docstring line} of the modules in bench/ that expose `run(quick)`."""
    found = {}
    for info in sorted(pkgutil.iter_modules([str(PACKAGE_DIR)]), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"bench.{info.name}")
        if callable(getattr(module, "run", None)):
            doc = (module.__doc__ or "").strip().splitlines()
            found[info.name] = doc[0] if doc else ""
    return found


def run_one(name: str, quick: bool) -> dict:
    module = importlib.import_module(f"bench.{name}")
    print(f"== bench {name}{' (quick)' if quick else ''}", flush=True)
    started = time.perf_counter()
    result = module.run(quick)
    print(f"({name}: {time.perf_counter() - started:.1f} s)", flush=True)
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return result


def main(argv: list[str] | None = None) -> int:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    parser = argparse.ArgumentParser(prog="python -m bench", description="TEIS benchmarks")
    parser.add_argument("name", nargs="?", help="benchmark to run; none lists them")
    parser.add_argument("--quick", action="store_true", help="small size, under a minute")
    parser.add_argument("--all", action="store_true", help="run every benchmark")
    args = parser.parse_args(argv)
    benches = discover()
    if args.all:
        failed = []
        for name in benches:
            try:
                run_one(name, args.quick)
            except Exception:
                traceback.print_exc()
                failed.append(name)
                print(json.dumps({"bench": name, "error": "failed"}), flush=True)
        if failed:
            print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1 if failed else 0
    if not args.name:
        print("benchmarks (python -m bench NAME [--quick] | --all [--quick]):")
        for name, doc in benches.items():
            print(f"  {name:<12} {doc}")
        return 0
    if args.name not in benches:
        print(f"unknown benchmark {args.name!r}; known: {', '.join(benches)}", file=sys.stderr)
        return 2
    run_one(args.name, args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
