"""Plumbline's settings: the only module that reads the environment.

Nothing needs to be set for the embedded default (SQLite in WAL mode, files and the Celery
broker under var/). Every variable is listed in .env.example; a bad value raises
ImproperlyConfigured naming the variable, so a typo fails at start, not at the first request.
"""

import datetime
import importlib.util
import os
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str) -> str:
    """An unset or empty variable means the default."""
    return os.environ.get(name, "").strip() or default


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean: use one of 1/0, true/false, yes/no")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} is below its minimum of {minimum}")
    return value


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = env_str(name, default).lower()
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r} is not one of: {', '.join(choices)}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_dates(name: str) -> frozenset:
    values = set()
    for item in env_list(name, []):
        try:
            values.add(datetime.date.fromisoformat(item))
        except ValueError:
            raise ImproperlyConfigured(f"{name} contains {item!r}, which is not a YYYY-MM-DD date") from None
    return frozenset(values)


def env_date(name: str, default: datetime.date) -> datetime.date:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a YYYY-MM-DD date") from None


def env_sign_materials(name: str) -> tuple[tuple[str, str, str], ...]:
    """`code:中文名:English name` items, comma-separated (e.g. `titanium_plate:钛板:titanium plate`)."""
    materials = []
    for item in env_list(name, []):
        parts = [part.strip() for part in item.split(":")]
        if len(parts) != 3 or not all(parts) or not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", parts[0]):
            raise ImproperlyConfigured(
                f"{name} contains {item!r}: write code:中文名:English name, the code in lower-case "
                "letters, digits and _ (at most 40)"
            )
        if parts[0] in {m[0] for m in materials}:
            raise ImproperlyConfigured(f"{name} names the material {parts[0]!r} twice")
        materials.append(tuple(parts))
    return tuple(materials)


def database_from_url(name: str, url: str, *, data_dir: Path) -> dict:
    """Turn DATABASE_URL into Django's DATABASES entry (PostgreSQL or SQLite)."""
    if not url:
        return _sqlite(data_dir / "plumbline.sqlite3")
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        # sqlite:///relative/path or sqlite:////absolute/path, as dj-database-url reads them
        if not url.startswith("sqlite:///") or len(url) == len("sqlite:///"):
            raise ImproperlyConfigured(f"{name}={url!r} names no SQLite file: use sqlite:///path/to/file")
        return _sqlite(Path(unquote(url[len("sqlite:///") :])).resolve())
    if parts.scheme in ("postgres", "postgresql", "postgis"):
        database = parts.path.lstrip("/")
        if not database:
            raise ImproperlyConfigured(f"{name}={url!r} names no database: add /dbname")
        try:
            port = parts.port
        except ValueError:
            raise ImproperlyConfigured(f"{name}={url!r} has a port that is not a number") from None
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(database),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(port or ""),
            "CONN_MAX_AGE": env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0),
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {"connect_timeout": env_int("DATABASE_CONNECT_TIMEOUT", 5, minimum=1)},
        }
    raise ImproperlyConfigured(
        f"{name}={url!r} is not supported: use postgresql://user:pass@host:5432/db or sqlite:///path"
    )


def _sqlite(path: Path) -> dict:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        # IMMEDIATE takes the write lock at BEGIN, so two writers queue instead of deadlocking
        # on a lock upgrade; WAL lets the web process read while the worker writes.
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }


# --- core -------------------------------------------------------------------------------------

DATA_DIR = Path(env_str("PLUMBLINE_DATA_DIR", str(BASE_DIR / "var"))).resolve()
DEBUG = env_bool("DEBUG", False)
# Keys anyone can read (this file's history, .env.example, docker-compose.yml): a platform
# started with one of them signs download links and audit chains that anyone can forge.
PUBLISHED_SECRET_KEYS = frozenset(
    {
        "plumbline-embedded-default-not-a-secret",
        "change-me-in-production",
        "change-me-to-a-long-random-string",
    }
)
SECRET_KEY_MIN_LENGTH = 32


def _is_embedded_default() -> bool:
    """SQLite, the local folder and the filesystem broker: one machine, nothing to configure."""
    database = env_str("DATABASE_URL", "")
    broker = env_str("CELERY_BROKER_URL", "filesystem://")
    return (
        (not database or database.startswith("sqlite:"))
        and env_str("STORAGE_BACKEND", "local").lower() == "local"
        and broker.startswith(("filesystem://", "memory://"))
    )


def secret_key_from(key: str, *, required: bool, data_dir: Path) -> str:
    """The configured SECRET_KEY; when it is not required and not set, the one generated on
    the first start and kept in `data_dir/secret_key` (mode 600)."""
    if required:
        if not key:
            raise ImproperlyConfigured(
                "SECRET_KEY must be set when PLUMBLINE_REQUIRE_SECRET_KEY is on: generate one with "
                "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
            )
        if key in PUBLISHED_SECRET_KEYS:
            raise ImproperlyConfigured(
                "SECRET_KEY is a published example value: set a random key of your own "
                "(PLUMBLINE_REQUIRE_SECRET_KEY is on)"
            )
        if len(key) < SECRET_KEY_MIN_LENGTH:
            raise ImproperlyConfigured(
                f"SECRET_KEY has {len(key)} characters, fewer than {SECRET_KEY_MIN_LENGTH}: "
                "set a longer random key (PLUMBLINE_REQUIRE_SECRET_KEY is on)"
            )
        return key
    if key and key not in PUBLISHED_SECRET_KEYS:
        return key
    return _generated_secret_key(data_dir / "secret_key")


def _generated_secret_key(path: Path) -> str:
    import secrets

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # O_EXCL: two processes starting at once agree on the first one's key
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_urlsafe(50))
                out.flush()
                os.fsync(out.fileno())
        if path.stat().st_mode & 0o077:
            os.chmod(path, 0o600)
        key = path.read_text().strip()
    except OSError as exc:
        raise ImproperlyConfigured(
            f"SECRET_KEY is not set and {path} cannot be created or read ({exc.strerror}): "
            "set SECRET_KEY or make PLUMBLINE_DATA_DIR writable"
        ) from None
    if len(key) < SECRET_KEY_MIN_LENGTH:
        raise ImproperlyConfigured(f"{path} does not hold a usable key: delete it to generate a new one")
    return key


# Unset or empty: on outside the embedded default (an empty value is not "off" here, as a copied
# .env.example must not switch the check off).
PLUMBLINE_REQUIRE_SECRET_KEY = (
    env_bool("PLUMBLINE_REQUIRE_SECRET_KEY", False)
    if env_str("PLUMBLINE_REQUIRE_SECRET_KEY", "")
    else not DEBUG and not _is_embedded_default()
)
SECRET_KEY = secret_key_from(env_str("SECRET_KEY", ""), required=PLUMBLINE_REQUIRE_SECRET_KEY, data_dir=DATA_DIR)
# The audit chain's HMAC key. Empty: derived from SECRET_KEY (plumbline.core.audit.log.chain_key);
# set it before rotating SECRET_KEY, or the chains written so far no longer verify.
AUDIT_CHAIN_KEY = env_str("AUDIT_CHAIN_KEY", "")
if AUDIT_CHAIN_KEY and PLUMBLINE_REQUIRE_SECRET_KEY and len(AUDIT_CHAIN_KEY) < SECRET_KEY_MIN_LENGTH:
    raise ImproperlyConfigured(f"AUDIT_CHAIN_KEY has fewer than {SECRET_KEY_MIN_LENGTH} characters")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
CSRF_FAILURE_VIEW = "plumbline.views.csrf_failure"  # a page in the site's language with a way back
# where the embedded default's web server listens (`plumbline run_embedded`, `make run BIND=...`)
BIND = env_str("BIND", "127.0.0.1:8000")
if not re.fullmatch(r"(\[[0-9A-Fa-f:]+\]|[A-Za-z0-9.-]+):\d{1,5}", BIND) or not 0 < int(BIND.rsplit(":", 1)[1]) < 65536:
    raise ImproperlyConfigured(f"BIND={BIND!r} must be host:port, e.g. 127.0.0.1:8020")
# the address people reach the platform at: sign QR codes and download links point here
SITE_URL = env_str("SITE_URL", f"http://{BIND}").rstrip("/")
if not SITE_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured(f"SITE_URL={SITE_URL!r} must start with http:// or https://")

# django-ninja's Swagger UI page and files, served from here rather than a CDN (sites without
# internet). Found without importing ninja: as an installed app it would be imported by every
# process, workers included, with pydantic and django.test (about 26 MB each).
NINJA_DIR = Path(importlib.util.find_spec("ninja").origin).parent
STATICFILES_DIRS = [NINJA_DIR / "static"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "plumbline",
    "plumbline.core.accounts",
    "plumbline.core.audit",
    "plumbline.core.notifications",
    "projects",
    "signage",
    "bim",
    "inspections",
    "acceptance",
    "acceptance.materials",
    "insurance",
    "supervision",
    "archive",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "plumbline.middleware.RequestIdMiddleware",
    "plumbline.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "plumbline.middleware.ChineseFirstLocaleMiddleware",
    "plumbline.middleware.RefuseNulMiddleware",
    "plumbline.middleware.ApiMethodNotAllowedMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "plumbline.urls"
# user -> the projects they may see now; the kernel (notices about a project) asks it by this name,
# since the kernel imports no app
VISIBLE_PROJECTS = "projects.queries.visible_projects"
WSGI_APPLICATION = "plumbline.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [NINJA_DIR / "templates"],  # Swagger UI's page (see plumbline.api.OfflineSwagger)
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "plumbline.heartbeat.worker_status",
                "plumbline.core.notifications.queries.unread_notifications",
                "plumbline.core.limits.input_limits",
            ],
        },
    },
]

DATABASES = {"default": database_from_url("DATABASE_URL", env_str("DATABASE_URL", ""), data_dir=DATA_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "/login/"
AUTHENTICATION_BACKENDS = ["plumbline.core.accounts.throttle.ThrottledModelBackend"]
# read with the signed-in user in one query: nearly every request asks for them next (rights, scopes)
AUTH_USER_SELECT_RELATED = ("person__organisation",)
# Sign-in throttling: wrong passwords per username, and per address (higher: a site's tablets
# share one address behind its router), within a window that then locks for its remainder.
SIGN_IN_MAX_FAILURES = env_int("SIGN_IN_MAX_FAILURES", 5, minimum=1)
SIGN_IN_MAX_FAILURES_PER_IP = env_int("SIGN_IN_MAX_FAILURES_PER_IP", 20, minimum=1)
SIGN_IN_LOCKOUT_MINUTES = env_int("SIGN_IN_LOCKOUT_MINUTES", 15, minimum=1)
# How many reverse proxies in front of the web server append to X-Forwarded-For: the client's
# address for the per-address count is read that far from the header's end. 0: the header is
# ignored (anyone can send it) and the connection's address counts.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
# The cache holds only sign-in counts: a folder under var/ by default (shared by the web
# processes, no service needed), Redis when CACHE_URL=redis://host:6379/N.
CACHE_URL = env_str("CACHE_URL", "")
if CACHE_URL and not CACHE_URL.startswith(("redis://", "rediss://")):
    raise ImproperlyConfigured(f"CACHE_URL={CACHE_URL!r} is not supported: use redis://host:6379/1 or leave it empty")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    if CACHE_URL
    else {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(DATA_DIR / "cache")}
}
LOGIN_REDIRECT_URL = "/"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "platform" / "plumbline" / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(DATA_DIR / "static"))).resolve()
STORAGES = {
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Uploads larger than this go to a temporary file, never into memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
MAX_UPLOAD_BYTES = env_int("MAX_UPLOAD_BYTES", 2 * 1024**3, minimum=1)
# The most the .ifc inside an .ifczip may unpack to (and never more than 100 times the archive).
MAX_UNPACKED_BYTES = env_int("MAX_UNPACKED_BYTES", 20 * MAX_UPLOAD_BYTES, minimum=1)

# --- object storage ---------------------------------------------------------------------------

STORAGE_BACKEND = env_choice("STORAGE_BACKEND", "local", ("local", "minio"))
LOCAL_STORAGE_DIR = Path(env_str("LOCAL_STORAGE_DIR", str(DATA_DIR / "objects"))).resolve()
MINIO_ENDPOINT = env_str("MINIO_ENDPOINT", "")
MINIO_ACCESS_KEY = env_str("MINIO_ACCESS_KEY", "")
MINIO_SECRET_KEY = env_str("MINIO_SECRET_KEY", "")
MINIO_BUCKET = env_str("MINIO_BUCKET", "plumbline")
MINIO_SECURE = env_bool("MINIO_SECURE", False)
MINIO_REGION = env_str("MINIO_REGION", "us-east-1")
MINIO_PUBLIC_ENDPOINT = env_str("MINIO_PUBLIC_ENDPOINT", "")
if STORAGE_BACKEND == "minio":
    for _name in ("MINIO_ENDPOINT", "MINIO_ACCESS_KEY", "MINIO_SECRET_KEY", "MINIO_BUCKET"):
        if not globals()[_name]:
            raise ImproperlyConfigured(f"{_name} must be set when STORAGE_BACKEND=minio")
    if "://" in MINIO_ENDPOINT:
        raise ImproperlyConfigured(
            f"MINIO_ENDPOINT={MINIO_ENDPOINT!r} must be host:port without a scheme (use MINIO_SECURE)"
        )
PRESIGNED_URL_SECONDS = env_int("PRESIGNED_URL_SECONDS", 900, minimum=1)

# --- Celery -----------------------------------------------------------------------------------

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL.split("://", 1)[0] not in ("filesystem", "redis", "rediss", "memory"):
    raise ImproperlyConfigured(
        f"CELERY_BROKER_URL={CELERY_BROKER_URL!r} is not supported: use redis://host:6379/0 "
        "or filesystem:// (the embedded default)"
    )
CELERY_BROKER_DIR = DATA_DIR / "celery"
# Workers' heartbeats: files here on the embedded default (SQLite's write lock, held by an
# ingest's long transaction, would hold a beat off), the database elsewhere (None).
WORKER_HEARTBEAT_DIR = DATA_DIR / "heartbeats" if CELERY_BROKER_URL.startswith("filesystem://") else None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
# Longest task (a large model's geometry chunk) must finish well inside this, or Redis would hand
# the same message to a second worker while the first still runs.
CELERY_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 4 * 3600, minimum=1)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 3600, minimum=2)
if CELERY_TASK_TIME_LIMIT >= CELERY_VISIBILITY_TIMEOUT:
    raise ImproperlyConfigured(
        f"CELERY_VISIBILITY_TIMEOUT={CELERY_VISIBILITY_TIMEOUT} must be above "
        f"CELERY_TASK_TIME_LIMIT={CELERY_TASK_TIME_LIMIT}"
    )
CELERY_RESTORE_INTERVAL = env_int("CELERY_RESTORE_INTERVAL", 10, minimum=1)
# The filesystem transport (embedded default) looks for messages this often (kombu's default is 1 s).
CELERY_POLLING_INTERVAL = env_int("CELERY_POLLING_INTERVAL_MS", 50, minimum=1) / 1000
# Workers beat every CELERY_HEARTBEAT_SECONDS; none beating for CELERY_WORKER_STALE_SECONDS is
# a stuck or gone worker (/healthz answers 503).
CELERY_HEARTBEAT_SECONDS = env_int("CELERY_HEARTBEAT_SECONDS", 10, minimum=1)
CELERY_WORKER_STALE_SECONDS = env_int("CELERY_WORKER_STALE_SECONDS", 60, minimum=2)
if CELERY_WORKER_STALE_SECONDS <= CELERY_HEARTBEAT_SECONDS:
    raise ImproperlyConfigured(
        f"CELERY_WORKER_STALE_SECONDS={CELERY_WORKER_STALE_SECONDS} must be above "
        f"CELERY_HEARTBEAT_SECONDS={CELERY_HEARTBEAT_SECONDS}"
    )
# On the embedded default an ingest quiet this long, that no live worker is on, lost its task (the
# filesystem transport deletes a message as it is read) and is sent again.
CELERY_LOST_TASK_SECONDS = env_int("CELERY_LOST_TASK_SECONDS", 90, minimum=5)

# --- email: notices (plumbline.core.notifications) also go out by email -----------------------

# console: printed by the worker (the embedded default); smtp: sent through EMAIL_HOST (the
# default once EMAIL_HOST is set); locmem/dummy: kept in memory / dropped (tests, demos).
EMAIL_HOST = env_str("EMAIL_HOST", "")
_EMAIL_BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
    "dummy": "django.core.mail.backends.dummy.EmailBackend",
}
_email_backend = env_choice("EMAIL_BACKEND", "smtp" if EMAIL_HOST else "console", tuple(_EMAIL_BACKENDS))
if _email_backend == "smtp" and not EMAIL_HOST:
    raise ImproperlyConfigured("EMAIL_BACKEND=smtp needs EMAIL_HOST (the SMTP server's name)")
EMAIL_BACKEND = _EMAIL_BACKENDS[_email_backend]
EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
if EMAIL_PORT > 65535:
    raise ImproperlyConfigured(f"EMAIL_PORT={EMAIL_PORT} is not a port (1 to 65535)")
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be on: STARTTLS (587) or SSL (465)")
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Plumbline <plumbline@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The daily task telling assignees (else the responsible party's leader) of findings past their
# due date runs at this hour (TIME_ZONE), once a day.
FINDING_OVERDUE_HOUR = env_int("FINDING_OVERDUE_HOUR", 8, minimum=0)
if FINDING_OVERDUE_HOUR > 23:
    raise ImproperlyConfigured(f"FINDING_OVERDUE_HOUR={FINDING_OVERDUE_HOUR} must be 0 to 23")

# --- domain defaults (DOMAIN.md: configurable numbers) ----------------------------------------

BIM_GEOMETRY_CHUNK_SIZE = env_int("BIM_GEOMETRY_CHUNK_SIZE", 1000, minimum=1)
# Each chunk's geometry iterator first indexes the whole file (about 2 µs per element of the
# model), so more chunks than about twice the worker processes cost more than they save.
BIM_GEOMETRY_MAX_CHUNKS = env_int("BIM_GEOMETRY_MAX_CHUNKS", 4, minimum=1)
BIM_SECONDS_PER_ELEMENT = env_int("BIM_SECONDS_PER_ELEMENT", 2, minimum=1)
# An ingest quiet this long lost its task (a broker restarted without its queue): a worker that
# starts, or `plumbline resume_ingests`, sends it again. A run that was only slow stops, or does
# its chunk twice to the same result; above the longest footprint chunk (BIM_GEOMETRY_CHUNK_SIZE x
# BIM_SECONDS_PER_ELEMENT seconds) that seldom happens.
BIM_STALLED_MINUTES = env_int("BIM_STALLED_MINUTES", 60, minimum=1)
# A version warns when more than this percentage of its products that have a body came out
# without geometry (a damaged or cut-short file parses, but its geometry is lost).
BIM_MISSING_GEOMETRY_PERCENT = env_int("BIM_MISSING_GEOMETRY_PERCENT", 20, minimum=0)
if BIM_MISSING_GEOMETRY_PERCENT > 100:
    raise ImproperlyConfigured(f"BIM_MISSING_GEOMETRY_PERCENT={BIM_MISSING_GEOMETRY_PERCENT} must be 0 to 100")
PHOTO_MAX_BYTES = env_int("PHOTO_MAX_BYTES", 25 * 1024 * 1024, minimum=1)
LETTER_MAX_BYTES = env_int("LETTER_MAX_BYTES", 20 * 1024 * 1024, minimum=1)
BCF_MAX_BYTES = env_int("BCF_MAX_BYTES", 100 * 1024 * 1024, minimum=1)
LETTER_DUE_WORKING_DAYS = env_int("LETTER_DUE_WORKING_DAYS", 5, minimum=0)
# Dates people enter (appointments, letters, stage dates) lie between DATE_EARLIEST and
# DATE_YEARS_AHEAD years after today; anything else is a typing error.
DATE_EARLIEST = env_date("PLUMBLINE_DATE_EARLIEST", datetime.date(1949, 1, 1))
DATE_YEARS_AHEAD = env_int("PLUMBLINE_DATE_YEARS_AHEAD", 10, minimum=0)
if datetime.date.today() < DATE_EARLIEST:
    raise ImproperlyConfigured(f"PLUMBLINE_DATE_EARLIEST={DATE_EARLIEST} is in the future")


HOLIDAYS = env_dates("PLUMBLINE_HOLIDAYS")
WORKING_WEEKENDS = env_dates("PLUMBLINE_WORKING_WEEKENDS")
if os.environ.get("SIGN_PERMANENT_MATERIALS", "").strip():
    raise ImproperlyConfigured(
        "SIGN_PERMANENT_MATERIALS is no longer read: sign materials are a list; add extras to "
        "SIGN_EXTRA_MATERIALS as code:中文名:English name"
    )
# Permanent materials accepted on signs besides the built-in stone and metal (signage/materials.py).
SIGN_EXTRA_MATERIALS = env_sign_materials("SIGN_EXTRA_MATERIALS")
SIGN_PHOTO_MAX_BYTES = env_int("SIGN_PHOTO_MAX_BYTES", 15 * 1024 * 1024, minimum=1)
# Building materials: at least this share of the samples the rules require must be witnessed, per
# mandatory category per project (建建〔2000〕211号: 30%); a JSON file overriding the sampling rules of
# acceptance/materials/sampling_rules.json (empty: the defaults); the largest certificate or report.
MATERIAL_WITNESS_MIN_PERCENT = env_int("MATERIAL_WITNESS_MIN_PERCENT", 30, minimum=0)
if MATERIAL_WITNESS_MIN_PERCENT > 100:
    raise ImproperlyConfigured(f"MATERIAL_WITNESS_MIN_PERCENT={MATERIAL_WITNESS_MIN_PERCENT} must be 0 to 100")
MATERIAL_SAMPLING_RULES = env_str("MATERIAL_SAMPLING_RULES", "")
if MATERIAL_SAMPLING_RULES and not os.path.isfile(MATERIAL_SAMPLING_RULES):
    raise ImproperlyConfigured(f"MATERIAL_SAMPLING_RULES={MATERIAL_SAMPLING_RULES} is not a file")
MATERIAL_FILE_MAX_BYTES = env_int("MATERIAL_FILE_MAX_BYTES", 20 * 1024 * 1024, minimum=1)

# The housing department (supervision/): an inspector is not drawn for a project of an
# organisation they worked for within SUPERVISION_CONFLICT_YEARS; a complaint is answered within
# COMPLAINT_DUE_WORKING_DAYS working days; webhooks are retried with exponential backoff.
SUPERVISION_CONFLICT_YEARS = env_int("SUPERVISION_CONFLICT_YEARS", 3, minimum=0)
COMPLAINT_DUE_WORKING_DAYS = env_int("COMPLAINT_DUE_WORKING_DAYS", 10, minimum=1)
# The public "report a problem" form of a sign takes at most PUBLIC_REPORT_MAX_PER_IP reports
# from one address within PUBLIC_REPORT_WINDOW_MINUTES (anyone may send it, signed in or not).
PUBLIC_REPORT_MAX_PER_IP = env_int("PUBLIC_REPORT_MAX_PER_IP", 5, minimum=1)
PUBLIC_REPORT_WINDOW_MINUTES = env_int("PUBLIC_REPORT_WINDOW_MINUTES", 60, minimum=1)
SUPERVISION_WEBHOOK_TIMEOUT = env_int("SUPERVISION_WEBHOOK_TIMEOUT", 10, minimum=1)
SUPERVISION_WEBHOOK_MAX_RETRIES = env_int("SUPERVISION_WEBHOOK_MAX_RETRIES", 6, minimum=0)
SUPERVISION_WEBHOOK_BACKOFF_SECONDS = env_int("SUPERVISION_WEBHOOK_BACKOFF_SECONDS", 30, minimum=1)
# Loopback and private webhook URLs are refused (the tests' local receiver needs them).
SUPERVISION_WEBHOOK_ALLOW_LOOPBACK = env_bool("SUPERVISION_WEBHOOK_ALLOW_LOOPBACK", False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"permission_denied_one_line": {"()": "plumbline.log_filters.PermissionDeniedOneLine"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO").upper()},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "django.request": {"filters": ["permission_denied_one_line"]},
    },
}
