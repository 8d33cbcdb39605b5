"""`cache list` and `cache clear`: what the teacher-output caches hold, and freeing the space."""

from __future__ import annotations

import argparse
import time

from bertdistill.cli.common import RAW

CACHE_EXAMPLES = """examples:
  bertdistill cache list                                  # every kind, its entries and their sizes
  bertdistill cache clear teacher-vectors --older-than 30 # teacher vectors untouched for 30 days
  bertdistill cache clear --all                           # everything not in use by a running job
"""


def cache_store(args: argparse.Namespace):
    from bertdistill.data.store import Store

    return Store(args.cache_dir)


def shown_size(size: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TB"


def run_cache_list(args: argparse.Namespace) -> None:
    from bertdistill.data.store import KINDS

    store = cache_store(args)
    entries = store.entries()
    print(f"cache root: {store.root}")
    kinds = sorted(set(KINDS) | {entry.kind for entry in entries})
    for kind in kinds:
        mine = [entry for entry in entries if entry.kind == kind]
        print(f"{kind:20} {len(mine):4} entries {shown_size(sum(entry.size_bytes for entry in mine)):>10}  "
              f"{KINDS.get(kind, '(not a bertdistill cache kind)')}")
        if args.entries:
            for entry in mine:
                age = (time.time() - entry.modified) / 86_400
                state = entry.status + (", in use" if entry.in_use else "")
                print(f"    {entry.key:22} {shown_size(entry.size_bytes):>10} {age:6.1f} days  {state:22} "
                      f"{described(entry.description)}")
    print(f"total {shown_size(sum(entry.size_bytes for entry in entries))}")


def described(description: dict) -> str:
    """An entry's description on one line: `name=value` pairs."""
    return " ".join(f"{name}={value}" for name, value in description.items())


def run_cache_clear(args: argparse.Namespace) -> None:
    from bertdistill.errors import ConfigError

    if not args.kinds and not args.all:
        raise ConfigError("name the kinds to clear (see `bertdistill cache list`), or give --all")
    store = cache_store(args)
    removed = store.clear(args.kinds, args.key, args.older_than)
    print(f"removed {len(removed)} entries ({shown_size(sum(entry.size_bytes for entry in removed))}) "
          f"from {store.root}")
    busy = [entry for entry in store.entries() if entry.in_use and (not args.kinds or entry.kind in args.kinds)]
    if busy:
        print(f"kept {len(busy)} in use by a running job: " + ", ".join(f"{e.kind}/{e.key}" for e in busy))


def register(commands: argparse._SubParsersAction) -> None:
    cache = commands.add_parser("cache", help="list or clear the teacher-output caches", epilog=CACHE_EXAMPLES,
                                formatter_class=RAW)
    actions = cache.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="every cache kind with its entries and sizes")
    listing.add_argument("--entries", action="store_true", help="each entry too: key, size, age, state, what it holds")
    clearing = actions.add_parser("clear", help="remove cache entries (never one a running job holds)")
    clearing.add_argument("kinds", nargs="*", metavar="KIND", help="kinds to clear (e.g. teacher-vectors)")
    clearing.add_argument("--all", action="store_true", help="every kind")
    clearing.add_argument("--key", action="append", default=[], help="only this entry (repeatable)")
    clearing.add_argument("--older-than", type=float, metavar="DAYS", help="only entries untouched this long")
    for parser in (listing, clearing):
        parser.add_argument("--cache-dir", help="the cache root (default: $BERTDISTILL_CACHE or ~/.cache/bertdistill)")
    listing.set_defaults(handler=run_cache_list)
    clearing.set_defaults(handler=run_cache_clear)
