"""Rights and service requests (维权服务). Casework models (legal aid, mediation, follow-up,
rating) live in casework_models.py and are imported at the end of this module."""

from django.db import models  # noqa: F401

from .casework_models import *  # noqa: E402, F403
