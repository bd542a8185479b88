"""The kernel every app stands on: errors, the audit log, StoredFile and uploads, the permission
table, the right-first decorator, accounts (tokens, auth). It imports no app and not the site
(the rest of `plumbline`); apps import of `plumbline` only this package."""
