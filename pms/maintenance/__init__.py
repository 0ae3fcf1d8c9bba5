"""Maintenance: repair requests, SLAs, warranty routing, preventive plans and planned works."""
