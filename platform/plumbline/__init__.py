"""The Django project that makes Plumbline's apps one service (settings, urls, API, Celery)."""

from .celery import app as celery_app

__all__ = ["celery_app"]
