"""Elder-care pages, by subject: visits.py (today, my visits, check-in/out, confirmation, alerts)
and elders.py (the list, registration, the elder's page)."""
