"""kefu (客服): customer service for Chinese e-commerce."""

from .celery import app as celery_app

__all__ = ["celery_app"]
__version__ = "0.1.0"
