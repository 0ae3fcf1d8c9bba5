"""Notifications JSON API, one module (and one blueprint) per subject: `inbox` ("notifications_api":
the caller's in-app notifications) and `outbox` ("outbox_api": outgoing messages, managers).
Registered by `pms.domain_parts`."""
