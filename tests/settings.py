"""Settings for the test suite: jobs inline, mail in memory, a private data dir, fast hashing."""

import os
import tempfile

os.environ.setdefault("GONGHUI_DATA_DIR", tempfile.mkdtemp(prefix="gonghui-test-"))
os.environ["GONGHUI_JOB_RUNNER"] = "inline"
os.environ.pop("REDIS_URL", None)

from gonghui.settings import *  # noqa: F403

EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
GONGHUI_JOB_RUNNER = "inline"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
GONGHUI_SMS_BACKEND = "gonghui.core.sms.LocmemBackend"
GONGHUI_PERIODIC_IN_PROCESS = False
