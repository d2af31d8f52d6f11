"""Settings, read from the environment (12-factor). See docs/operations.md for every variable."""

import json
import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("KEFU_VAR_DIR", Path.cwd() / "var")).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("KEFU_DEBUG", False)
SECRET_KEY = os.environ.get("KEFU_SECRET_KEY", "kefu-insecure-development-key-change-me-in-production")
ALLOWED_HOSTS = env_list("KEFU_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("KEFU_CSRF_TRUSTED_ORIGINS", "http://127.0.0.1:8000,http://localhost:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",
    "kefu.core",
    "kefu.commerce",
    "kefu.aftersales",
    "kefu.contact",
    "kefu.tickets",
    "kefu.calls",
    "kefu.chat",
    "kefu.wfm",
    "kefu.assistant",
    "kefu.portal",
    "kefu.workbench",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "kefu.urls"
ASGI_APPLICATION = "kefu.asgi.application"
WSGI_APPLICATION = "kefu.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    }
]

# --- database: SQLite (WAL) under var/ by default, PostgreSQL via KEFU_DATABASE_URL -------------
DATABASE_URL = os.environ.get("KEFU_DATABASE_URL") or f"sqlite:///{VAR_DIR / 'kefu.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web server read while background duties write; IMMEDIATE avoids
        # "database is locked" upgrades inside transactions.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-kefu.sqlite3")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Under ASGI, persistent connections are per thread and pile up; a pool bounds them per process.
    DATABASES["default"].update(CONN_MAX_AGE=0, CONN_HEALTH_CHECKS=False)
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": int(os.environ.get("KEFU_DB_POOL_SIZE", "10")),
        "timeout": 10,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: Celery broker and channel layer when set; in-process otherwise ---------------------
REDIS_URL = os.environ.get("KEFU_REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [REDIS_URL]}}
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "kefu.chat.layers.InMemoryChannelLayer"}}  # swept once a second

CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_ACKS_LATE = True
CELERY_TIMEZONE = "Asia/Shanghai"
# The embedded default runs the background duties in a thread of `kefu serve`; with Redis they run
# in Celery workers + beat. KEFU_EMBEDDED_DUTIES overrides the choice.
KEFU_EMBEDDED_DUTIES = env_bool("KEFU_EMBEDDED_DUTIES", not REDIS_URL)

# --- auth ------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:orders"

# --- i18n: Chinese by default, English available ----------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- static files --------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]  # the shared layout's CSS and JS
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise serves from finders in the embedded default
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("KEFU_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # One line per task: noise in the embedded default, where every outbox dispatch is a task.
        "celery.app.trace": {"level": "WARNING"},
    },
}

# --- domain settings (defaults from the seeds; docs/operations.md lists them) --------------------
# Unpaid online orders cancel themselves after this many hours [seed 000, FAQ 4].
KEFU_UNPAID_ORDER_CANCEL_HOURS = int(os.environ.get("KEFU_UNPAID_ORDER_CANCEL_HOURS", "24"))
# Membership tiers by spend over the last 12 months, CNY; diamond >= 30,000 [seed 002].
KEFU_TIER_THRESHOLDS = {"bronze": "1000", "silver": "5000", "gold": "10000", "diamond": "30000"}
# How often the embedded runner looks for due duties, seconds.
KEFU_DUTY_TICK_SECONDS = float(os.environ.get("KEFU_DUTY_TICK_SECONDS", "5"))

# --- refunds to the payment side (kefu/aftersales/payments.py, docs/decisions/0005) ----------------
# "simulated" answers at once (demo, tests); "webhook" POSTs each refund, HMAC-signed, to the URL and
# waits for the answer at POST /api/v1/payments/refunds/{idempotency_key}.
KEFU_PAYMENT_GATEWAY = os.environ.get("KEFU_PAYMENT_GATEWAY", "simulated")
KEFU_PAYMENT_WEBHOOK_URL = os.environ.get("KEFU_PAYMENT_WEBHOOK_URL", "")
KEFU_PAYMENT_WEBHOOK_SECRET = os.environ.get("KEFU_PAYMENT_WEBHOOK_SECRET", "")
KEFU_PAYMENT_WEBHOOK_TIMEOUT = float(os.environ.get("KEFU_PAYMENT_WEBHOOK_TIMEOUT", "5"))
# Integrations (by name) that may answer any refund: the payment provider's own token. A shop's token
# answers only the refunds of its own orders.
KEFU_PAYMENT_INTEGRATIONS = env_list("KEFU_PAYMENT_INTEGRATIONS", "")
# After-sales policy numbers that differ from the defaults (policy.PolicySettings; docs/aftersales-policy.md),
# e.g. KEFU_AFTERSALES_POLICY='{"no_reason_days": 15, "reship_cutoff": "18:00"}'.
KEFU_AFTERSALES_POLICY = json.loads(os.environ.get("KEFU_AFTERSALES_POLICY") or "{}")
# 售后100分: minutes from warehouse receipt to the decision, and when the at-risk alert goes out [seed 001].
KEFU_AFTERSALES_HUNDRED_MINUTES = int(os.environ.get("KEFU_AFTERSALES_HUNDRED_MINUTES", "100"))
KEFU_AFTERSALES_ALERT_MINUTES = int(os.environ.get("KEFU_AFTERSALES_ALERT_MINUTES", "80"))

# --- email and SMS to customers, email from them (kefu/tickets/mail_*.py, sms.py; docs/decisions/0006) -----
# Absolute links in emails and SMS (the portal's ticket page, the survey).
KEFU_SITE_URL = os.environ.get("KEFU_SITE_URL", "http://127.0.0.1:8000")
KEFU_SUPPORT_EMAIL = os.environ.get("KEFU_SUPPORT_EMAIL", "service@kefu.example")
# Named in the "other routes" of a refused outcome when set, e.g. "400-820-8820".
KEFU_SERVICE_HOTLINE = os.environ.get("KEFU_SERVICE_HOTLINE", "")
# Django 6.1's MAILERS (the EMAIL_* settings are deprecated): SMTP when KEFU_EMAIL_HOST is set, else the
# console. The send runs inside an outbox delivery, so the timeout is short.
KEFU_EMAIL_HOST = os.environ.get("KEFU_EMAIL_HOST", "")
MAILERS = {"default": {
    "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "OPTIONS": {"host": KEFU_EMAIL_HOST, "port": int(os.environ.get("KEFU_EMAIL_PORT", "25")),
                "username": os.environ.get("KEFU_EMAIL_USER", ""),
                "password": os.environ.get("KEFU_EMAIL_PASSWORD", ""),
                "use_tls": env_bool("KEFU_EMAIL_USE_TLS", False), "use_ssl": env_bool("KEFU_EMAIL_USE_SSL", False),
                "timeout": float(os.environ.get("KEFU_EMAIL_TIMEOUT", "10"))},
} if KEFU_EMAIL_HOST else {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = KEFU_SUPPORT_EMAIL
# Dotted path of the SMS backend (kefu.tickets.sms.SmsBackend): LogBackend logs, MemoryBackend keeps them.
KEFU_SMS_BACKEND = os.environ.get("KEFU_SMS_BACKEND", "kefu.tickets.sms.LogBackend")
# Inbound email webhook (POST /api/v1/email/inbound): the shared secret; empty = the endpoint answers 503.
KEFU_INBOUND_EMAIL_TOKEN = os.environ.get("KEFU_INBOUND_EMAIL_TOKEN", "")
KEFU_INBOUND_EMAIL_MAX_BYTES = int(os.environ.get("KEFU_INBOUND_EMAIL_MAX_BYTES", str(25 * 1024 * 1024)))

# --- live chat (kefu/chat; docs/chat.md): each has its default in kefu/chat/conf.py or contact/presence.py -----
for _name in ("ACW_SECONDS", "AGENT_SILENCE_SECONDS", "RECONNECT_GRACE_SECONDS", "UNSERVED_SECONDS",
              "DIAMOND_SENIOR_WAIT_SECONDS", "DEFAULT_HANDLE_SECONDS", "HANDLE_SAMPLE", "IMAGE_MAX_BYTES",
              "ASSISTANT_CARRY_SECONDS"):
    if f"KEFU_CHAT_{_name}" in os.environ:
        globals()[f"KEFU_CHAT_{_name}"] = float(os.environ[f"KEFU_CHAT_{_name}"])
KEFU_CHAT_ASSISTANT_WHILE_WAITING = env_bool("KEFU_CHAT_ASSISTANT_WHILE_WAITING", True)

# --- the smart assistant (kefu/assistant; docs/assistant.md) ----------------------------------------------
KEFU_ASSISTANT_EMBEDDINGS = env_bool("KEFU_ASSISTANT_EMBEDDINGS", True)
KEFU_ASSISTANT_SURE = float(os.environ.get("KEFU_ASSISTANT_SURE", "0.5"))
KEFU_ASSISTANT_BLEND_WEIGHT = float(os.environ.get("KEFU_ASSISTANT_BLEND_WEIGHT", "0.4"))
KEFU_ASSISTANT_HANDOFF_BELOW = float(os.environ.get("KEFU_ASSISTANT_HANDOFF_BELOW", "0.35"))
KEFU_ASSISTANT_REVIEW_BELOW = float(os.environ.get("KEFU_ASSISTANT_REVIEW_BELOW", "0.5"))
KEFU_ASSISTANT_E5_THREADS = int(os.environ.get("KEFU_ASSISTANT_E5_THREADS", "1"))
