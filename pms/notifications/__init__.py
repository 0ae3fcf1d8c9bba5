"""Notifications: each user's in-app notifications (page and API), the outbox sender (e-mail through
SMTP) and the manager's view of it.

Reading in-app notifications and the outbox rules live in `services.py`; writing them (`notify`,
`enqueue`) stays in `pms.core.notifications` (every domain writes them, and core imports no domain).
"""
