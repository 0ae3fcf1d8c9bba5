"""Maintenance services: every rule lives in these modules; they only flush."""
from pms.maintenance.services import alerts, billing_hookup, equipment, kpis, photos, readmodels, tickets, warranty, works

__all__ = ["alerts", "billing_hookup", "equipment", "kpis", "photos", "readmodels", "tickets", "warranty", "works"]
