"""Flask-Babel set-up: Chinese by default, English on request."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from flask import request, session
from flask_babel import Babel, get_locale

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


def switch_language_url(lang: str) -> str:
    """This page again (same path and query) in another language."""
    args = request.args.to_dict(flat=False)
    args["lang"] = [lang]
    return f"{request.path}?{urlencode(args, doseq=True)}"


# pms/translations next to this package: found in a checkout, an editable install and a wheel
# (pyproject ships the .mo files as package data).
TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"


def init_app(app) -> None:
    """Bind Babel with the project's translations."""
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(TRANSLATIONS_DIR),
    )
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["switch_language_url"] = switch_language_url

    @app.before_request
    def _remember_language():
        # Babel asks for the locale only when something is translated; a redirect translates
        # nothing, so ?lang= on e.g. "/" would otherwise be forgotten.
        if request.args.get("lang") in LANGUAGES:
            select_locale()
