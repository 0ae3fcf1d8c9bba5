"""The home page (`/`): each role's first page of the day (pms/home/README.md)."""
from __future__ import annotations

from flask import Blueprint, render_template

from pms.core.api import load_args
from pms.core.auth import login_required, require_principal
from pms.core.db import get_session
from pms.home import services
from pms.home.schemas import HomeArgsSchema

bp = Blueprint("home", __name__)


@bp.get("/")
@login_required
def index():
    """The caller's home: counts that link to the rows behind them."""
    args = load_args(HomeArgsSchema())
    template, context = services.home_for(get_session(), require_principal(), page=args["page"])
    return render_template(template, **context)
