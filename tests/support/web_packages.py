"""Deployment packages of three web apps (tests/fixtures/web_apps), each with its framework and
Lambda adapter installed from PyPI or npm once into a cache that git ignores
(tests/support/pinned_packages.py builds them).

The exact versions live here and nowhere else. Without npm the Express package is None (its
tests skip, as the JavaScript SDK's do).
"""

from __future__ import annotations

from tests.support.pinned_packages import PinnedPackage, build
from tests.support.server import REPO

CACHE = "web-apps"
FIXTURES = REPO / "tests" / "fixtures" / "web_apps"

WebApp = PinnedPackage

FASTAPI = WebApp(
    "fastapi", "python3.11", "app.handler", FIXTURES / "fastapi_app",
    python=(
        "fastapi==0.163.2", "mangum==0.22.0", "starlette==1.10.0", "pydantic==2.14.4",
        "pydantic-core==2.50.5", "anyio==4.16.0", "idna==3.21", "annotated-doc==0.0.7",
        "annotated-types==0.8.0", "typing-extensions==4.16.0", "typing-inspection==0.4.5",
        "opentelemetry-api==1.45.3",
    ),
)  # fmt: skip
FLASK = WebApp(
    "flask", "python3.11", "app.handler", FIXTURES / "flask_app",
    python=(
        "flask==3.1.3", "apig-wsgi==2.20.0", "werkzeug==3.1.9", "jinja2==3.1.6",
        "markupsafe==3.0.4", "itsdangerous==2.2.0", "click==8.5.1", "blinker==1.9.0",
    ),
)  # fmt: skip
EXPRESS = WebApp(
    "express", "nodejs20.x", "handler.handler", FIXTURES / "express_app",
    node=("express@5.3.0", "serverless-http@4.0.0", "cookie-parser@1.4.7"),
)  # fmt: skip
APPS = (FASTAPI, FLASK, EXPRESS)


def package(app: WebApp) -> bytes | None:
    """The app's deployment package (a zip); None when its installer (npm) is missing."""
    return build(app, CACHE)
