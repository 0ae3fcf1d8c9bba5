"""Maintenance services: every rule lives in these modules; they only flush."""
from pms.maintenance.services import (alerts, billing_hookup, certificates, costs, equipment, history, kpis, payer,
                                      photos, places,
                                      readmodels, sla, tickets, warranty, works)

__all__ = ["alerts", "billing_hookup", "certificates", "costs", "equipment", "history", "kpis", "payer", "photos",
           "places",
           "readmodels", "sla", "tickets", "warranty", "works", "init_app"]


def init_app(app) -> None:
    """Offer `maintenance_banners()` to every template, so any page (e.g. base.html) can show the
    planned-works banner with `{% include "maintenance/_banners.html" %}`."""
    from pms.core.auth import current_principal
    from pms.core.db import get_session

    def maintenance_banners():
        principal = current_principal()
        if principal is None:
            return []
        return works.banners_for(get_session(), principal)

    app.jinja_env.globals["maintenance_banners"] = maintenance_banners

