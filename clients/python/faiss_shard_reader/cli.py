"""``python3 -m faiss_shard_reader search|info``: query an index from the shell; prints JSON.

Secrets come from the environment (``SUPABASE_KEY``, ``FSB_API_TOKEN``) so they stay out of the process
list; ``--supabase-key`` and ``--token`` exist for completeness.
"""

import argparse
import dataclasses
import json
import os
import sys

from .embed import TYPES, EmbedClient
from .errors import ReaderError
from .index import open_index


def main(argv=None):
    args = _parser().parse_args(argv)
    try:
        index = _open(args)
        if args.command == "info":
            answer = {"types": {kind: index.describe(kind) for kind in index.types}}
        else:
            answer = {"results": _search(index, args)}
        answer = {"index": args.prefix or "", "completeness": dataclasses.asdict(index.completeness), **answer}
    except (ReaderError, ValueError, OSError) as error:
        print(f"error: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    json.dump(answer, sys.stdout, indent=2)
    print()
    return 0


def _open(args):
    if args.index:
        return open_index(args.index, prefix=args.prefix, require_complete=args.require_complete)
    if not args.supabase_url or not args.bucket:
        raise ValueError("give --index DIR, or --supabase-url and --bucket")
    key = args.supabase_key or os.environ.get("SUPABASE_KEY")
    if not key:
        raise ValueError("set SUPABASE_KEY (or --supabase-key)")
    return open_index(supabase_url=args.supabase_url, key=key, bucket=args.bucket, prefix=args.prefix,
                      require_complete=args.require_complete)


def _search(index, args):
    types = args.type or ["combined"]
    results = {}
    if args.id is not None:
        for kind in types:
            results[kind] = index.search_by_id(args.id, args.k, kind, exclude_self=args.exclude_self)
    else:
        if not args.service:
            raise ValueError("--image and --image-url need --service (the faiss-shard-builder URL)")
        client = EmbedClient(args.service, args.token or os.environ.get("FSB_API_TOKEN"))
        vectors = client.embed_file(args.image, types) if args.image else client.embed_url(args.image_url, types)
        for kind in types:
            results[kind] = index.search(vectors[kind], args.k, kind)
    return {kind: [dataclasses.asdict(hit) for hit in hits] for kind, hits in results.items()}


def _parser():
    parser = argparse.ArgumentParser(prog="python3 -m faiss_shard_reader")
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("search", "info"):
        command = commands.add_parser(name)
        where = command.add_argument_group("index location")
        where.add_argument("--index", metavar="DIR", help="local folder laid out like the bucket")
        where.add_argument("--supabase-url", help="Supabase project URL (key in SUPABASE_KEY)")
        where.add_argument("--supabase-key", help=argparse.SUPPRESS)
        where.add_argument("--bucket")
        where.add_argument("--prefix", default="", help="index prefix inside the folder or bucket")
        command.add_argument("--require-complete", action="store_true",
                             help="refuse an index not known to be complete")
        if name == "search":
            query = command.add_mutually_exclusive_group(required=True)
            query.add_argument("--id", help="catalogue id: its stored vector is the query")
            query.add_argument("--image", metavar="FILE", help="image file, embedded by the service's /embed")
            query.add_argument("--image-url", help="image URL, fetched and embedded by the service")
            command.add_argument("--service", help="faiss-shard-builder URL for /embed (token in FSB_API_TOKEN)")
            command.add_argument("--token", help=argparse.SUPPRESS)
            command.add_argument("-k", type=int, default=10)
            command.add_argument("--type", action="append", choices=TYPES,
                                 help="index type, repeatable (default combined)")
            command.add_argument("--include-self", dest="exclude_self", action="store_false",
                                 help="with --id, keep the entry itself in the results")
    return parser
