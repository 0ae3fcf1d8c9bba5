"""pms — property management and long-term upkeep for renovated old estates."""
from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

from flask import Flask, jsonify
from sqlmodel import SQLModel
from werkzeug.middleware.proxy_fix import ProxyFix

from pms.config import PROJECT_ROOT, load_config

# Table models never run pydantic's validation (SQLModel constructs `table=True` instances
# directly) and pms has no other SQLModel models, so the validator pydantic builds for each of the
# 76 tables at import is never used: deferring it takes ~0.2 s off every process's start (a cron
# command's, a worker's). Set here, before any model module is imported; a model that is
# validated after all builds its validator on first use.
SQLModel.model_config["defer_build"] = True

# Domain packages, discovered (every sub-package of pms except core): each may have
# models.py, services.py, views.py / views_*.py (`bp`), api.py / api_*.py (`bp`, under /api/v1)
# and cli.py / cli_*.py (`group` or `commands`).
CORE_PACKAGES = {"core", "translations"}


def domain_names() -> list[str]:
    """Names of the domain packages, in a stable order."""
    import pms

    return sorted(m.name for m in pkgutil.iter_modules(pms.__path__)
                  if m.ispkg and m.name not in CORE_PACKAGES)


def domain_module(domain: str, part: str) -> ModuleType | None:
    """`pms.<domain>.<part>` if that module exists."""
    name = f"pms.{domain}.{part}"
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:
            return None
        raise


def domain_parts(domain: str, part: str) -> list[ModuleType]:
    """`pms.<domain>.<part>` and `pms.<domain>.<part>_*` modules (e.g. api.py, api_payments.py); a
    package `<part>/` split by subject stands for its modules (e.g. api/bills.py, api/accounts.py)."""
    package = importlib.import_module(f"pms.{domain}")
    names = sorted(m.name for m in pkgutil.iter_modules(package.__path__)
                   if m.name == part or m.name.startswith(part + "_"))
    modules = []
    for name in names:
        module = importlib.import_module(f"pms.{domain}.{name}")
        if hasattr(module, "__path__"):  # a package split by subject: its public modules
            modules += [importlib.import_module(f"{module.__name__}.{sub}") for sub in
                        sorted(m.name for m in pkgutil.iter_modules(module.__path__) if not m.name.startswith("_"))]
        else:
            modules.append(module)
    return modules


def import_models() -> None:
    """Import every table model so the metadata is complete (Alembic, create_all)."""
    importlib.import_module("pms.core.models")
    for domain in domain_names():
        domain_module(domain, "models")


def create_app(test_config: dict | None = None, *, web: bool = True) -> Flask:
    """The application factory; `web=False` leaves out the pages and the API (a `pms` command's app)."""
    app = Flask(
        "pms",
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.update(load_config())
    if test_config:
        app.config.update(test_config)
    from pms.core import db, forms, health, i18n, logs, templating

    logs.configure(app.config["LOG_LEVEL"])
    if app.config["PROXY_COUNT"]:
        # Behind nginx: the client's address and scheme come from its X-Forwarded-* headers.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_COUNT"],
                                x_proto=app.config["PROXY_COUNT"], x_host=0)
    from pms.core.api import API_PREFIX, install_input_guards

    import_models()
    db.init_app(app)
    i18n.init_app(app)
    if web:  # request hooks, CSRF and error pages: a command's app serves no request
        from pms.core import http

        http.install(app)
    install_input_guards(app)  # the id converter: before any route is registered
    templating.init_app(app)
    forms.init_app(app)
    app.register_blueprint(health.bp)

    from pms.core.auth import register_permissions

    for domain in domain_names():
        permissions = domain_module(domain, "permissions")
        if permissions is not None and hasattr(permissions, "PERMISSIONS"):
            register_permissions(domain, permissions.PERMISSIONS)
        services = domain_module(domain, "services")
        if services is not None and hasattr(services, "init_app"):
            services.init_app(app)
        if not web:
            continue
        for views in domain_parts(domain, "views"):
            app.register_blueprint(views.bp)
        for api in domain_parts(domain, "api"):
            http.csrf.exempt(api.bp)
            app.register_blueprint(api.bp, url_prefix=API_PREFIX)

    if web:
        @app.get(f"{API_PREFIX}/openapi.json")
        def openapi():
            """The OpenAPI 3 document of the whole API."""
            from pms.core.openapi import spec_for_current_app

            return jsonify(spec_for_current_app())

    return app
