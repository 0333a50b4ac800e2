"""Settings of the end-to-end test backend.

Everything that varies between runs comes from the environment:

- ``APIGEND_E2E_DATA``: a directory for the SQLite database and uploaded
  files (default: ``<tmp>/apigend-e2e``).
- ``APIGEND_E2E_OAS``: the OpenAPI version drf-spectacular emits
  (``3.0.3`` by default, or ``3.1.0``).
"""

import os
import tempfile
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("APIGEND_E2E_DATA") or Path(tempfile.gettempdir()) / "apigend-e2e")
DATA_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = "apigend-e2e-not-a-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "library",
    "accounts",
    "media",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]

ROOT_URLCONF = "e2eproject.urls"
WSGI_APPLICATION = "e2eproject.wsgi.application"
TEMPLATES: list[dict[str, object]] = []

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": DATA_DIR / "db.sqlite3",
    }
}

# Fast hashing: the tests create users, they do not protect them.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTH_PASSWORD_VALIDATORS: list[dict[str, str]] = []

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REST_FRAMEWORK = {
    # Token first: a request without credentials gets 401 with
    # `WWW-Authenticate: Token` rather than 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 5,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "apigend e2e backend",
    "DESCRIPTION": "A small library, accounts and media API used by apigend's end-to-end test.",
    "VERSION": "1.2.3",
    "OAS_VERSION": os.environ.get("APIGEND_E2E_OAS", "3.0.3"),
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_INCLUDE_SCHEMA": False,
    # Tags are the first path segment after /api/: library, accounts, media.
    "SCHEMA_PATH_PREFIX": r"/api/",
    "ENUM_NAME_OVERRIDES": {
        "BookStatusEnum": "library.models.BookStatus",
        "RatingEnum": "library.models.Rating",
        "ThemeEnum": "accounts.models.Theme",
    },
}

# Print server errors (with DEBUG off Django would only mail them), so run.sh
# can spot a traceback in the server log.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"handlers": ["console"], "level": "ERROR"}},
}
