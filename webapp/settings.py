"""One settings object for the site, the worker and the command line, built once and passed in.

:meth:`Settings.from_env` is the only place that reads the environment (``BAOTUAN_*`` and
``NEO4J_*``); everything else gets a :class:`Settings` (``create_app(settings)``) or the parts it
needs (``open_store(settings.store, settings.credentials)``). Every command resolves the store
the same way, so ``baotuan import``, ``demo``, ``recommend`` and ``serve`` with the same
``--instance`` use the same store:

==========================  =====================================================================
setting                     from (first that is given)
==========================  =====================================================================
``instance``                ``--instance``, ``$BAOTUAN_INSTANCE``, ``./instance``
``store``                   ``--store``, ``$BAOTUAN_STORE``, ``<instance>/baotuan.sqlite``
``credentials``             ``$NEO4J_USER``, ``$NEO4J_PASSWORD``, ``$NEO4J_DATABASE``,
                            ``$BAOTUAN_NEO4J_STAGED_ABOVE``, ``_STALE_AFTER``, ``_IMPORT_WAIT``
``secret_key``              ``$BAOTUAN_SECRET_KEY``, else ``<instance>/secret_key`` (made once)
``database_url``            ``$BAOTUAN_DATABASE_URL``, ``sqlite:///<instance>/site.sqlite``
``redis_url``               ``$BAOTUAN_REDIS_URL``, none (jobs run in-process)
``queue_name``              ``$BAOTUAN_QUEUE_NAME``, ``baotuan`` (the RQ queue of the site's jobs;
                            two sites sharing one Redis need two names)
``proxy_count``             ``$BAOTUAN_PROXY_COUNT``, 0
``secure_cookies``          ``$BAOTUAN_SECURE_COOKIES`` (``1``), off
``locale``                  ``$BAOTUAN_LOCALE``, ``zh``
``read_limits``             ``$BAOTUAN_MAX_UNPACKED_MB``, ``$BAOTUAN_MAX_SHEET_ROWS`` (workbooks
                            and archives, checked before parsing), else ``ReadLimits()``
==========================  =====================================================================

Examples
--------
>>> settings = Settings.from_env({}, instance="/srv/baotuan")
>>> settings.store
'/srv/baotuan/baotuan.sqlite'
>>> settings.database_url
'sqlite:////srv/baotuan/site.sqlite'
>>> Settings.from_env({"BAOTUAN_PROXY_COUNT": "two"})
Traceback (most recent call last):
...
webapp.settings.SettingsError: BAOTUAN_PROXY_COUNT: 'two' is not a whole number
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from graph_schema.contract.limits import ReadLimits
from graph_schema.store import StoreCredentials

from .errors import WebappError

__all__ = ["Settings", "SettingsError", "credentials_from_env", "DEFAULT_INSTANCE"]

DEFAULT_INSTANCE = "instance"


class SettingsError(WebappError):
    """A setting has a value that cannot be used; the message names the setting."""


def _number(environ: Mapping[str, str], name: str, kind: type, minimum: float = 0) -> Any:
    text = (environ.get(name) or "").strip()
    if not text:
        return None
    try:
        value = kind(text)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise SettingsError(f"{name}: {text!r} is not {what}") from None
    if value < minimum:
        raise SettingsError(f"{name}: {text} is below {minimum}")
    return value


def _flag(environ: Mapping[str, str], name: str) -> bool:
    text = (environ.get(name) or "").strip().lower()
    if text in ("", "0", "false", "no", "off"):
        return False
    if text in ("1", "true", "yes", "on"):
        return True
    raise SettingsError(f"{name}: {text!r} is not 1 or 0")


def credentials_from_env(environ: Mapping[str, str] | None = None) -> StoreCredentials:
    """The Neo4j account and import options from ``NEO4J_*`` and ``BAOTUAN_NEO4J_*``.

    Examples
    --------
    >>> credentials_from_env({"NEO4J_PASSWORD": "pw", "BAOTUAN_NEO4J_IMPORT_WAIT": "5"}).import_wait
    5.0
    """
    environ = os.environ if environ is None else environ
    return StoreCredentials(
        user=environ.get("NEO4J_USER") or "neo4j",
        password=environ.get("NEO4J_PASSWORD", ""),
        database=environ.get("NEO4J_DATABASE") or "neo4j",
        staged_above=_number(environ, "BAOTUAN_NEO4J_STAGED_ABOVE", int, 1),
        stale_after=_number(environ, "BAOTUAN_NEO4J_STALE_AFTER", float),
        import_wait=_number(environ, "BAOTUAN_NEO4J_IMPORT_WAIT", float),
    )


def _read_limits(environ: Mapping[str, str]) -> ReadLimits:
    base = ReadLimits()
    megabytes = _number(environ, "BAOTUAN_MAX_UNPACKED_MB", float, 1)
    rows = _number(environ, "BAOTUAN_MAX_SHEET_ROWS", int, 2)
    return ReadLimits(
        max_unpacked_bytes=base.max_unpacked_bytes if megabytes is None else int(megabytes * 2**20),
        max_rows=base.max_rows if rows is None else rows,
    )


@dataclass(frozen=True)
class Settings:
    """Everything the site, the worker and the commands are configured with.

    Build it with :meth:`from_env` (or directly, in tests) and pass it in; nothing else reads the
    environment. Fields are described in the module's table.

    Examples
    --------
    >>> s = Settings(instance=Path("/srv/b"))
    >>> s.store, s.redis_url, s.proxy_count
    ('/srv/b/baotuan.sqlite', None, 0)
    >>> s.with_overrides(store="bolt://db:7687").store
    'bolt://db:7687'
    """

    instance: Path = field(default_factory=lambda: Path(DEFAULT_INSTANCE).resolve())
    store: str = ""  # "" = <instance>/baotuan.sqlite
    credentials: StoreCredentials = field(default_factory=StoreCredentials)
    secret_key: str | None = field(default=None, repr=False)  # None = <instance>/secret_key
    database_url: str = ""  # "" = sqlite:///<instance>/site.sqlite
    redis_url: str | None = None
    queue_name: str = "baotuan"
    proxy_count: int = 0
    secure_cookies: bool = False
    locale: str = "zh"
    page_size: int = 50
    max_upload_bytes: int = 64 * 1024 * 1024
    session_hours: int = 8
    arrival_overdue_days: int = 15  # 逾期未报到: days after the letter
    read_limits: ReadLimits = field(default_factory=ReadLimits)

    def __post_init__(self) -> None:
        # Derived defaults are filled in once, so every reader sees the same resolved values.
        instance = Path(self.instance).resolve()
        object.__setattr__(self, "instance", instance)
        if not self.store:
            object.__setattr__(self, "store", str(instance / "baotuan.sqlite"))
        if not self.database_url:
            object.__setattr__(self, "database_url", f"sqlite:///{instance / 'site.sqlite'}")
        if self.proxy_count < 0:
            raise SettingsError(f"proxy_count: {self.proxy_count} is negative")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read the settings from ``environ`` (default ``os.environ``); ``overrides`` win.

        An override of ``None`` counts as not given, so command-line options can be passed
        straight through (``Settings.from_env(instance=args.instance, store=args.store)``).

        Raises
        ------
        SettingsError
            A variable holds a value that cannot be used (the message names it).

        Examples
        --------
        >>> env = {"BAOTUAN_INSTANCE": "/srv/a", "BAOTUAN_REDIS_URL": "redis://q:6379/0"}
        >>> s = Settings.from_env(env, instance="/srv/b")
        >>> s.store, s.redis_url
        ('/srv/b/baotuan.sqlite', 'redis://q:6379/0')
        """
        environ = os.environ if environ is None else environ
        given = {key: value for key, value in overrides.items() if value is not None}
        unknown = set(given) - {f for f in cls.__dataclass_fields__}
        if unknown:
            raise SettingsError(f"unknown settings: {', '.join(sorted(unknown))}")
        values: dict[str, Any] = {
            "instance": Path(environ.get("BAOTUAN_INSTANCE") or DEFAULT_INSTANCE),
            "store": environ.get("BAOTUAN_STORE") or "",
            "credentials": credentials_from_env(environ),
            "secret_key": environ.get("BAOTUAN_SECRET_KEY") or None,
            "database_url": environ.get("BAOTUAN_DATABASE_URL") or "",
            "redis_url": environ.get("BAOTUAN_REDIS_URL") or None,
            "queue_name": environ.get("BAOTUAN_QUEUE_NAME") or "baotuan",
            "proxy_count": _number(environ, "BAOTUAN_PROXY_COUNT", int) or 0,
            "secure_cookies": _flag(environ, "BAOTUAN_SECURE_COOKIES"),
            "locale": environ.get("BAOTUAN_LOCALE") or "zh",
            "read_limits": _read_limits(environ),
            "arrival_overdue_days": _number(environ, "BAOTUAN_ARRIVAL_OVERDUE_DAYS", int) or 15,
        }
        values.update(given)
        return cls(**values)

    def with_overrides(self, **overrides: Any) -> Settings:
        """A copy with some fields changed (``None`` values are ignored).

        A new ``instance`` moves the store and site database that were defaults with it.
        """
        given = {key: value for key, value in overrides.items() if value is not None}
        if not given:
            return self
        if "instance" in given:
            old = self.instance
            if self.store == str(old / "baotuan.sqlite") and "store" not in given:
                given["store"] = ""
            if self.database_url == f"sqlite:///{old / 'site.sqlite'}":
                given.setdefault("database_url", "")
        return replace(self, **given)

    @property
    def store_is_neo4j(self) -> bool:
        """Whether the store is a Neo4j server (else a SQLite file)."""
        from graph_schema.store import is_neo4j_uri

        return is_neo4j_uri(self.store)

    def ensure_secret_key(self) -> str:
        """The secret key: the configured one, or one made once and kept in the instance folder."""
        if self.secret_key:
            return self.secret_key
        self.instance.mkdir(parents=True, exist_ok=True)
        path = self.instance / "secret_key"
        if not path.exists():
            path.write_text(secrets.token_hex(32))
            path.chmod(0o600)
        return path.read_text().strip()

    def open_store(self, **options: Any):
        """Open :attr:`store` with :attr:`credentials` (a new connection; close it).

        Examples
        --------
        >>> import tempfile
        >>> with Settings(instance=Path(tempfile.mkdtemp())).open_store() as store:
        ...     store.counts()["organizations"]
        0
        """
        from graph_schema.store import open_store

        if not self.store_is_neo4j:
            Path(self.store).parent.mkdir(parents=True, exist_ok=True)
        return open_store(self.store, self.credentials, **options)
