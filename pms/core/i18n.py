"""Flask-Babel set-up: Chinese by default, English on request."""
from __future__ import annotations

from functools import cached_property
from pathlib import Path
from urllib.parse import urlencode

from babel import support
from flask import has_app_context, has_request_context, request, session
from flask_babel import Babel, Domain, get_locale, gettext
from flask_babel import _get_current_context

LANGUAGES = {"zh_CN": "中文", "en": "English"}

# pms/translations next to this package: found in a checkout, an editable install and a wheel
# (pyproject ships the .mo files as package data).
TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"


class CatalogDomain(Domain):
    """Finds a catalog under the POSIX name pybabel gives it (``zh_CN``) as well as Babel's.

    Babel ≥ 2.12 parses "zh_CN" as zh_Hans_CN (likely script added) and Flask-Babel 4 looks
    only for a ``zh_Hans_CN`` folder, so a ``pybabel init -l zh_CN`` catalog was silently
    ignored and every page came out in English.
    """

    def get_translations(self):
        # Kept on the request/app context like Flask-Babel's own (force_locale and refresh()
        # reset it): a page calls gettext ~50 times and each look-up cost as much as a query.
        ctx = _get_current_context()
        cached = getattr(ctx, "babel_translations", None)
        if cached is not None:
            return cached
        locale = get_locale()
        if locale is None:
            return support.NullTranslations()
        directories = tuple(self.translation_directories)
        key = (str(locale), self.domain[0], directories)
        translations = self.cache.get(key)
        if translations is None:
            names = [str(locale)]
            if locale.territory:
                names.append(f"{locale.language}_{locale.territory}")
            names.append(locale.language)
            translations = support.Translations()
            for dirname in directories:
                catalog = support.Translations.load(dirname, names, self.domain[0])
                translations.merge(catalog)
                if hasattr(catalog, "plural"):  # merge() does not copy the plural rule
                    translations.plural = catalog.plural
            self.cache[key] = translations
        if ctx is not None:
            ctx.babel_translations = translations
        return translations


class PmsBabel(Babel):
    """Flask-Babel with the catalog look-up above."""

    @cached_property
    def domain_instance(self):
        return CatalogDomain(domain=self.domain)


babel = PmsBabel()


_outside_request_locale: str | None = None


def locale_from_environment(environ: dict) -> str:
    """The terminal's language like gettext reads it: zh* → zh_CN, anything else → en."""
    for key in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(key)
        if value:
            return "zh_CN" if value.lower().startswith("zh") else "en"
    return "en"


def set_outside_request_locale(locale: str | None) -> None:
    """The language of messages produced outside a request (None: the default, zh_CN)."""
    global _outside_request_locale
    _outside_request_locale = locale
    # Flask-Babel keeps the locale it chose on the app context: an app context that served a
    # request (in Chinese) before a command runs in it would otherwise keep answering in Chinese.
    if has_app_context():
        from flask_babel import refresh

        refresh()


def select_locale() -> str:
    """?lang= switches and remembers; otherwise the remembered choice; otherwise zh_CN."""
    if not has_request_context():
        # CLI commands follow the terminal's language (set by `pms.cli.main`); jobs use the default.
        return _outside_request_locale
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


def current_language() -> str:
    """The page's language as a LANGUAGES key ('zh_CN' or 'en'), whatever Babel calls it."""
    locale = get_locale()
    return "en" if locale is not None and locale.language == "en" else "zh_CN"


def switch_language_url(lang: str) -> str:
    """This page again (same path and query) in another language."""
    args = request.args.to_dict(flat=False)
    args["lang"] = [lang]
    return f"{request.path}?{urlencode(args, doseq=True)}"


def init_app(app) -> None:
    """Bind Babel with the project's translations."""
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(TRANSLATIONS_DIR),
    )
    app.jinja_env.globals.update(LANGUAGES=LANGUAGES, get_locale=get_locale,
                                 current_language=current_language,
                                 switch_language_url=switch_language_url)

    @app.before_request
    def _remember_language():
        # Babel asks for the locale only when something is translated; a redirect translates
        # nothing, so ?lang= on e.g. "/" would otherwise be forgotten.
        if request.args.get("lang") in LANGUAGES:
            select_locale()


def translate(msgid: str, **params) -> str:
    """gettext wherever an app is running (requests, CLI, jobs: see select_locale); the msgid itself
    for services called with no app at all (plain unit tests)."""
    if has_app_context():
        return gettext(msgid, **params)
    return msgid % params if params else msgid


def _l(msgid: str) -> str:
    """Marks a message for the catalog (pybabel extracts `_l`); translated when it is shown."""
    return msgid
