"""Core: database, auth and scopes, errors, money, audit log, PDFs, i18n."""
