"""The home page (`/`): each role's first page of the day (pms/home/README.md)."""
from __future__ import annotations

from flask import Blueprint, render_template

from pms.core.auth import login_required, require_principal
from pms.core.db import get_session
from pms.home import services

bp = Blueprint("home", __name__)


@bp.get("/")
@login_required
def index():
    """The caller's home: counts that link to the rows behind them."""
    template, context = services.home_for(get_session(), require_principal())
    return render_template(template, **context)
