"""Response headers, Secure cookies behind a configured proxy, and the forced password change."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, flash, redirect, request, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
OPEN_DURING_CHANGE = {"account.settings", "auth.logout", "auth.login", "static", "health.favicon"}


class SessionInterface(SecureCookieSessionInterface):
    """Marks the session cookie Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def _headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    response.headers.setdefault("Content-Security-Policy", CSP)
    return response


def _forced_change() -> Any:
    if (request.endpoint not in OPEN_DURING_CHANGE and current_user.is_authenticated
            and current_user.must_change_password):
        flash("请先修改密码：当前密码是一次性密码，修改后才能使用系统。", "warn")
        return redirect(url_for("account.settings"))
    return None


def register(app: Flask) -> None:
    """``PROXY_COUNT`` > 0: trust that many proxies' X-Forwarded-For/-Proto (and only then)."""
    count = int(app.config.get("PROXY_COUNT") or 0)
    if count > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)  # type: ignore[method-assign]
    app.session_interface = SessionInterface()
    app.after_request(_headers)
    app.before_request(_forced_change)
