"""``baotuan serve``: the site, served by waitress (a production WSGI server)."""

from __future__ import annotations

import os
import sys

__all__ = ["register"]


def _serve(args) -> int:
    from waitress import serve

    from webapp import create_app
    from webapp.demo_setup import ensure_demo_accounts, load_demo_world

    if args.store:
        os.environ["BAOTUAN_STORE"] = args.store
    app = create_app({"INSTANCE": args.instance} if args.instance else None)
    if args.demo:
        load_demo_world(app)
        accounts = ensure_demo_accounts(app)
        print("demo accounts (username / password):", file=sys.stderr)
        for username, role, password in accounts:
            print(f"  {role:13} {username:10} {password}", file=sys.stderr)
    print(
        f"Baotuan is at http://{args.host}:{args.port}/  (store: {app.config['STORE']})",
        file=sys.stderr,
    )
    # Behind a reverse proxy (BAOTUAN_PROXY_COUNT) the app's ProxyFix reads X-Forwarded-For;
    # waitress would otherwise strip those headers before the app sees them.
    behind_proxy = bool(int(os.environ.get("BAOTUAN_PROXY_COUNT", "0") or 0))
    serve(
        app,
        host=args.host,
        port=args.port,
        threads=args.threads,
        ident="baotuan",
        clear_untrusted_proxy_headers=not behind_proxy,
    )
    return 0


def register(sub) -> None:
    p = sub.add_parser(
        "serve", help="run the site (with --demo: on the Tai'an demo world with demo accounts)"
    )
    p.add_argument(
        "--demo",
        action="store_true",
        help="load the demo world if the store is empty and create demo accounts",
    )
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5000)
    p.add_argument("--threads", type=int, default=8)
    p.add_argument("--instance", help="instance folder (default: $BAOTUAN_INSTANCE or ./instance)")
    p.set_defaults(func=_serve)
