"""Notifications: the outbox sender (e-mail through SMTP) and the manager's view of it.

In-app notifications and `enqueue` stay in `pms.core.notifications` (every domain writes them).
"""
