"""``baotuan serve``: the site, served by waitress, or by gunicorn with several worker processes.

One process (the default, waitress with ``--threads`` threads) runs Python on one core at a time.
``--workers N`` starts N gunicorn worker processes of ``--threads`` threads each, so a machine with
N cores serves N pages at once. That is safe because everything a worker keeps in memory is
checked against the shared stores on every request: the officer pages' cached view against the
store's table versions, sessions are signed cookies, login throttling counts live in the instance
folder (``throttle.sqlite``), and a matcher run records which process runs it.
"""

from __future__ import annotations

import sys

__all__ = ["register"]


def _warm(app):
    """Read the officer pages' view of the store before taking requests (~0.3 s at city scale),
    so that the first officer to arrive at each worker does not wait for it."""
    from webapp.extensions import get_store
    from webapp.officer.world_cache import current_world

    with app.app_context():
        current_world(get_store())
    return app


def _serve_waitress(app, args, settings) -> None:
    from waitress import serve

    # Behind a reverse proxy (BAOTUAN_PROXY_COUNT) the app's ProxyFix reads X-Forwarded-For;
    # waitress would otherwise strip those headers before the app sees them.
    serve(
        app,
        host=args.host,
        port=args.port,
        threads=args.threads,
        ident="baotuan",
        clear_untrusted_proxy_headers=not settings.proxy_count,
    )


def _serve_gunicorn(args, settings) -> None:
    from gunicorn.app.base import BaseApplication

    class Site(BaseApplication):
        def load_config(self) -> None:
            options = {
                "bind": f"{args.host}:{args.port}",
                "workers": args.workers,
                "threads": args.threads,
                "worker_class": "gthread",
                "timeout": 120,  # a worker busy longer than this is restarted
                "graceful_timeout": 10,
                "loglevel": "warning",
                # Trust X-Forwarded-Proto only behind a configured proxy (ProxyFix does the rest).
                "forwarded_allow_ips": "*" if settings.proxy_count else "",
            }
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self):
            # Each worker builds its own app after the fork (its own store connections and
            # caches) from the settings the command resolved once.
            from webapp import create_app

            return _warm(create_app(settings))

    Site().run()


def _serve(args) -> int:
    from webapp import create_app
    from webapp.cli import settings_from_args
    from webapp.demo_setup import ensure_demo_accounts, load_demo_world

    settings = settings_from_args(args)
    app = create_app(settings)
    if args.demo:
        load_demo_world(app)
        accounts = ensure_demo_accounts(app)
        print("demo accounts (username / password):", file=sys.stderr)
        for username, role, password in accounts:
            print(f"  {role:13} {username:10} {password}", file=sys.stderr)
    server = f"gunicorn, {args.workers} workers" if args.workers > 1 else "waitress"
    print(
        f"Baotuan is at http://{args.host}:{args.port}/  (store: {app.config['STORE']}; {server} "
        f"with {args.threads} threads each)",
        file=sys.stderr,
    )
    if args.workers > 1:
        app.extensions["baotuan_store"].close()  # no connection may cross the fork
        _serve_gunicorn(args, settings)
    else:
        _serve_waitress(_warm(app), args, settings)
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
    p.add_argument("--threads", type=int, default=8, help="threads per process (default 8)")
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes (default 1: waitress; more: gunicorn, e.g. one per core)",
    )
    p.set_defaults(func=_serve)
