"""Notification pages, one module (and one blueprint) per subject: `inbox` (blueprint "notifications":
the caller's in-app notifications) and `outbox` (blueprint "outbox": the manager's outgoing messages).
The app factory registers each module's `bp` (`pms.domain_parts`)."""
