"""Gonghui — 工会网上工作平台, the open-source trade union online work platform."""

from .celery import app as celery_app

__all__ = ["celery_app"]
__version__ = "0.1.0"
