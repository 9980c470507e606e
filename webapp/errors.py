"""Exceptions of :mod:`webapp`; every one derives from :class:`WebappError`."""

from __future__ import annotations

__all__ = ["WebappError", "AccountError", "PasswordRuleError"]


class WebappError(Exception):
    """Root of every error raised by :mod:`webapp`."""


class AccountError(WebappError):
    """An account operation was refused (unknown user, duplicate name, bad role)."""


class PasswordRuleError(AccountError):
    """A password does not follow the password rules."""
