"""Flask-Babel set-up: Chinese by default, English on request."""
from __future__ import annotations

from flask import request, session
from flask_babel import Babel, get_locale

from pms.config import PROJECT_ROOT

LANGUAGES = {"zh_CN": "中文", "en": "English"}
babel = Babel()


def select_locale() -> str:
    """?lang= switches and remembers; otherwise the remembered choice; otherwise zh_CN."""
    wanted = request.args.get("lang")
    if wanted in LANGUAGES:
        session["lang"] = wanted
        return wanted
    remembered = session.get("lang")
    if remembered in LANGUAGES:
        return remembered
    header = request.headers.get("Accept-Language", "")
    # Scripts and browsers that ask for English only get English; everyone else gets Chinese.
    if header.lower().startswith("en") and "zh" not in header.lower():
        return "en"
    return "zh_CN"


def init_app(app) -> None:
    """Bind Babel with the project's translations."""
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(PROJECT_ROOT / "pms" / "translations"),
    )
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES
    app.jinja_env.globals["get_locale"] = get_locale
