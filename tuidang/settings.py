"""Django settings, read from the environment (see docs/deploy.md for every variable)."""

import base64
import re
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from tuidang.env import (
    env_base_url,
    env_bool,
    env_dir,
    env_float,
    env_int,
    env_secret,
    env_str,
    env_url_list,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("TUIDANG_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_secret("SECRET_KEY", VAR_DIR / "secret_key")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY or SECRET_KEY_FILE must be set (make run creates var/secret_key)"
    )
# The receipt key turns receipt codes into keyed hashes; it lives outside the database
# so that a stolen database cannot be searched for a guessed code.
RECEIPT_KEY = env_secret("RECEIPT_KEY", VAR_DIR / "receipt.key")
if not RECEIPT_KEY or len(RECEIPT_KEY) < 32:
    raise ImproperlyConfigured(
        "RECEIPT_KEY or RECEIPT_KEY_FILE must hold at least 32 characters "
        "(make run creates var/receipt.key)"
    )

# Private fields are sealed to this public key; its private half is kept off the server.
RECORDS_PUBLIC_KEY = env_secret("RECORDS_PUBLIC_KEY", VAR_DIR / "records.pub")
try:
    if len(base64.b64decode(RECORDS_PUBLIC_KEY or "", validate=True)) != 32:
        raise ValueError
except ValueError:
    raise ImproperlyConfigured(
        "RECORDS_PUBLIC_KEY or RECORDS_PUBLIC_KEY_FILE must hold a base64 X25519 public key "
        "(python manage.py records_keygen; make run creates var/records.pub)"
    ) from None

ALLOWED_HOSTS = [h for h in env_str("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in env_str("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "django_countries",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "tuidang.core",
    "tuidang.registry",
    "tuidang.moderation",
    "tuidang.helpers",
    "tuidang.transparency",
    "tuidang.protection",
    "tuidang.accounts",
    "tuidang.api",
    "tuidang.stats",
    "django.contrib.sitemaps",
    "tuidang.news",
    "tuidang.pages",
    "tuidang.newsletter",
    "tuidang.mirror",
    "tuidang.mailintake",
]

MIDDLEWARE = [
    # Outermost, so it sees every cookie the others set before calling a page public.
    "tuidang.core.publiccache.PublicCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "tuidang.core.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After sessions (it may read the language from them), before CommonMiddleware
    # (which must see the language prefix when appending slashes).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, except that a visitor without a session cookie never touches the session
    # (no "Vary: Cookie" on public pages); then django-otp's user.is_verified().
    "tuidang.accounts.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "tuidang.urls"
WSGI_APPLICATION = "tuidang.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tuidang.core.context_processors.site",
            ],
        },
    },
]

_default_db = f"sqlite:///{VAR_DIR / 'tuidang.sqlite3'}"
try:
    _db = dj_database_url.parse(env_str("DATABASE_URL", _default_db), conn_max_age=60)
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {exc}") from None
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # Kept open like PostgreSQL's (60 s, from the URL's parse): opening a SQLite file and
    # running the PRAGMAs below cost more than a whole declaration's queries.
    _db["OPTIONS"] = {
        # WAL lets readers run beside the one writer; synchronous=FULL makes a commit
        # durable against power loss, which a receipt promises. The WAL is copied back
        # into the database (checkpointed) by the sequencer after its steps, outside the
        # write lock; a commit does it only if the WAL reaches 10,000 pages (40 MB), as
        # a safety net, because a checkpoint inside a request's commit held the write
        # lock, and every other writer with it, for a long while under a burst.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; "
            "PRAGMA wal_autocheckpoint=10000;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": env_int("SQLITE_BUSY_TIMEOUT", 20, minimum=1),
    }
    # Django's backend, with write transactions queued on a lock file (see its module).
    _db["ENGINE"] = "tuidang.core.sqlite"
    _db["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
elif _db["ENGINE"] == "django.db.backends.postgresql":
    _db["OPTIONS"] = {"options": "-c synchronous_commit=on"}
else:
    raise ImproperlyConfigured(f"DATABASE_URL: unsupported engine {_db['ENGINE']}")
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "helpers:home"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600, minimum=300)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# No cookie outlives the browser session: Django's default year would leave a cookie
# on an inspected phone, and its expiry minus a year is the second a form was opened.
CSRF_COOKIE_AGE = None
SECURE_COOKIES = env_bool("SECURE_COOKIES", not DEBUG and env_bool("HTTPS", False))
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
X_FRAME_OPTIONS = "DENY"
# "same-origin": other hosts never get a Referer, while our own form posts keep a real
# Origin header; with "no-referrer" browsers send "Origin: null" and CSRF checks fail.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("zh-hant", "繁體中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"
# Days are counted in China Standard Time, the declarants' own calendar.
COUNTING_TIME_ZONE = "Asia/Shanghai"

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True

# No request is logged with its address or agent: Django's own server log and error
# mails are switched off, and errors are logged without the request attached. Nothing is
# printed per request, declaration, sequencer step or task at the default level: journald
# stamps every line it stores with the time, so such a line would time a declaration.
# Libraries print warnings and errors only (the task worker sets its own logger to INFO,
# which the handler's level overrides); tuidang's per-step lines are DEBUG.
ADMINS: list = []
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(levelname)s %(name)s: %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "warnings": {"class": "logging.StreamHandler", "formatter": "plain",
                     "level": "WARNING"},
        "null": {"class": "logging.NullHandler"},
    },
    "loggers": {
        "django.server": {"handlers": ["null"], "propagate": False},
        "django.request": {"handlers": ["null"], "propagate": False},
        "django.security": {"handlers": ["null"], "propagate": False},
        "gunicorn.access": {"handlers": ["null"], "propagate": False},
        # aiosmtpd's: peers and senders at INFO, sessions' errors; nothing about a mail.
        "mail.log": {"handlers": ["null"], "propagate": False},
        "tuidang": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
    "root": {"handlers": ["warnings"], "level": "WARNING"},
}

# The registry's rules.
MAX_PERSONS_PER_DECLARATION = 50
MAX_STATEMENT_LENGTH = 5000
SCREEN_MAX_LINKS = env_int("SCREEN_MAX_LINKS", 2)
SCREEN_MAX_STATEMENT_LENGTH = env_int("SCREEN_MAX_STATEMENT_LENGTH", 3000, minimum=1)

# The public log.
LOG_ORIGIN = env_str("LOG_ORIGIN", "tuidang.example/log")
LOG_SIGNING_KEY_FILE = Path(env_str("LOG_SIGNING_KEY_FILE", str(VAR_DIR / "log-signing.key")))
# Where full entry bundles are read from once `log_export --archive` has dropped them
# from the database: nginx's copy of the log (transparency/archive.py). Unset, none are.
LOG_ARCHIVE_DIR = env_dir("LOG_ARCHIVE_DIR")
# Where a machine without that directory fetches archived bundles (checked all the same):
# the log's public /log/ URL, or nginx's address on a private network.
LOG_ARCHIVE_URL = env_base_url("LOG_ARCHIVE_URL")
# Seconds between publications: what arrived in between is published together, at a
# time that depends only on the clock, in a random order (docs/threat-model.md).
PUBLISH_INTERVAL = env_float("PUBLISH_INTERVAL", 600.0, minimum=0.01, maximum=86400.0)
# Leadership among sequencers on PostgreSQL (transparency/lease.py): a standby takes the
# lead when the leader's heartbeat (renewed every SEQUENCER_HEARTBEAT seconds) has not
# moved for SEQUENCER_LEASE seconds. MACHINE_NAME names this machine on the health
# endpoint (default: the host name).
SEQUENCER_LEASE = env_float("SEQUENCER_LEASE", 10.0, minimum=0.5, maximum=600.0)
SEQUENCER_HEARTBEAT = env_float("SEQUENCER_HEARTBEAT", 2.0, minimum=0.1, maximum=60.0)
if SEQUENCER_HEARTBEAT * 2 > SEQUENCER_LEASE:
    raise ImproperlyConfigured("SEQUENCER_LEASE must be at least twice SEQUENCER_HEARTBEAT")
MACHINE_NAME = env_str("MACHINE_NAME", "")
# The operators' health endpoint (/health, transparency/health.py) answers only a request
# carrying "Authorization: Bearer <HEALTH_TOKEN>"; everyone else, and everyone when it is
# unset, gets a 404.
HEALTH_TOKEN = env_secret("HEALTH_TOKEN")
# The witnesses (docs/witness.md): a C2SP tlog-policy file naming each witness with its
# verifier key and URL, and the quorum; after each checkpoint they are asked to cosign it.
# The site publishes it without the URLs at /log/policy. Unset: no witness.
_witness_policy = env_str("LOG_WITNESS_POLICY", "")
LOG_WITNESS_POLICY = Path(_witness_policy) if _witness_policy else None
# Seconds to wait for a witness's answer: a slow one is asked again later.
LOG_WITNESS_TIMEOUT = env_float("LOG_WITNESS_TIMEOUT", 10.0, minimum=0.5, maximum=120.0)

# Most entries per step. A step holds the database's write lock; on SQLite that stops
# intake meanwhile, so steps are kept short there (docs/performance.md) and follow one
# another at once while more is waiting.
SEQUENCER_BATCH = env_int("SEQUENCER_BATCH", 1000 if DATABASES["default"]["ENGINE"]
                          == "tuidang.core.sqlite" else 5000, minimum=1, maximum=100_000)

SITE_NAME = _("Tuidang")
CSRF_FAILURE_VIEW = "tuidang.core.security.csrf_failure"

# --- Abuse resistance (tuidang.protection) -----------------------------------------------
# Proof of work (self-hosted ALTCHA): a declaration from the public form without a valid,
# unused proof is stored but held for a moderator ("no-pow"); helpers need none.
PROTECTION_POW_HOLD = env_bool("PROTECTION_POW_HOLD", True)
# The browser tries counters below this number (on average half to a quarter of it in
# SHA-256 hashes); the surge switch's "hard" mode uses the second number.
PROTECTION_POW_MAXNUMBER = env_int(
    "PROTECTION_POW_MAXNUMBER", 100_000, minimum=2, maximum=2**32 - 1
)
PROTECTION_POW_MAXNUMBER_HARD = env_int(
    "PROTECTION_POW_MAXNUMBER_HARD", 1_000_000, minimum=2, maximum=2**32 - 1
)
PROTECTION_POW_EXPIRES = env_int("PROTECTION_POW_EXPIRES", 600, minimum=30, maximum=3600)
# Signs challenges; by default derived from SECRET_KEY.
PROTECTION_POW_KEY = env_secret("PROTECTION_POW_KEY")
# Rate limits, kept only in the cache. A submitter is a keyed hash of the client address
# under a random key that lives one window (seconds); per-submitter counts run over that
# window, global counts per minute. 0 switches a limit off.
PROTECTION_WINDOW = env_int("PROTECTION_WINDOW", 600, minimum=60, maximum=900)
PROTECTION_DECLARATIONS_PER_SUBMITTER = env_int("PROTECTION_DECLARATIONS_PER_SUBMITTER", 20)
PROTECTION_DECLARATIONS_PER_MINUTE = env_int("PROTECTION_DECLARATIONS_PER_MINUTE", 1000)
PROTECTION_RECEIPT_LOOKUPS_PER_SUBMITTER = env_int("PROTECTION_RECEIPT_LOOKUPS_PER_SUBMITTER", 10)
PROTECTION_RECEIPT_LOOKUPS_PER_MINUTE = env_int("PROTECTION_RECEIPT_LOOKUPS_PER_MINUTE", 300)
# Behind a reverse proxy on the same machine, the header it puts the client address in
# (e.g. X-Real-IP); empty: the connection's address. Read in memory only, never stored.
PROTECTION_ADDRESS_HEADER = env_str("PROTECTION_ADDRESS_HEADER", "")
# The contest form and the newsletter sign-up pass the same gate (per submitter and
# window, per minute for everybody).
PROTECTION_CONTESTS_PER_SUBMITTER = env_int("PROTECTION_CONTESTS_PER_SUBMITTER", 5)
PROTECTION_CONTESTS_PER_MINUTE = env_int("PROTECTION_CONTESTS_PER_MINUTE", 60)
PROTECTION_SIGNUPS_PER_SUBMITTER = env_int("PROTECTION_SIGNUPS_PER_SUBMITTER", 5)
PROTECTION_SIGNUPS_PER_MINUTE = env_int("PROTECTION_SIGNUPS_PER_MINUTE", 60)
# Every onion visitor is one submitter (the proxy's header says "onion"): their own,
# larger limits per window, which a post with a valid proof of work does not count
# against (tuidang.protection.gate; docs/deploy.md).
PROTECTION_ONION_DECLARATIONS_PER_WINDOW = env_int("PROTECTION_ONION_DECLARATIONS_PER_WINDOW", 200)
PROTECTION_ONION_RECEIPT_LOOKUPS_PER_WINDOW = env_int(
    "PROTECTION_ONION_RECEIPT_LOOKUPS_PER_WINDOW", 200)
PROTECTION_ONION_CONTESTS_PER_WINDOW = env_int("PROTECTION_ONION_CONTESTS_PER_WINDOW", 50)
PROTECTION_ONION_SIGNUPS_PER_WINDOW = env_int("PROTECTION_ONION_SIGNUPS_PER_WINDOW", 50)
# --- end of abuse resistance ------------------------------------------------------------

# --- Hardening: security headers, caches, staff log-in (tuidang.core.security, accounts) -
# Served over TLS (directly or behind a proxy): cookies are Secure (above) and HSTS is sent.
HTTPS = env_bool("HTTPS", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content-Security-Policy, one directive per key (tuidang.core.security builds the header;
# a feature widens a directive here, a view can override with @csp_override). Nothing
# inline, nothing from another host.
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "worker-src": ["'self'", "blob:"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'none'"],
    "object-src": ["'none'"],
}
# The onion service's base URL (http://<56 characters>.onion): HTML pages then send
# "Onion-Location" with the same path, and Tor Browser offers to switch. Checked at start.
ONION_LOCATION = env_str("ONION_LOCATION", "")
if ONION_LOCATION:
    from tuidang.core.security import onion_base

    ONION_LOCATION = onion_base(ONION_LOCATION)
# Other addresses of this site (mirrors that declarants may reach when the main address is
# blocked), comma-separated http(s) URLs, listed on the safe-access page. Unset: none.
MIRROR_URLS = env_url_list("MIRROR_URLS")

# REDIS_URL (redis://host:port/db) shares rate limits, proof-of-work replays and log-in
# throttling between processes and machines. Without it, the processes `make run` starts
# share runservice's in-memory cache server (tuidang.core.sharedcache), whose socket
# runservice passes them as SHARED_CACHE_SOCKET; anything else (tests, a command run by
# hand) has local memory, each process counting on its own.
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(f"REDIS_URL must be a redis:// URL, got {REDIS_URL!r}")
SHARED_CACHE_SOCKET = env_str("SHARED_CACHE_SOCKET", "")
if REDIS_URL:
    # Redis down is not an outage: each process falls back to its own memory
    # (tuidang.core.fallbackcache), and a Redis that does not answer is given up on fast.
    CACHES = {"default": {
        "BACKEND": "tuidang.core.fallbackcache.FallbackRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "tuidang",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }}
elif SHARED_CACHE_SOCKET:
    CACHES = {"default": {
        "BACKEND": "tuidang.core.sharedcache.SharedCache",
        "LOCATION": SHARED_CACHE_SOCKET,
    }}
else:
    CACHES = {"default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "tuidang",
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    }}

# Staff sessions end when the browser closes, and after SESSION_COOKIE_AGE at the latest.
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Database sessions whose rows keep the day after they end, never a time; the exact end
# is signed into the cookie (tuidang.accounts.sessions). `prune_sessions` deletes ended ones.
SESSION_ENGINE = "tuidang.accounts.sessions"
# Log-in throttling (tuidang.accounts.throttle): failed password or code attempts per
# username within the window lock that username for the window; the global number locks
# every log-in. Counted in the cache under keyed hashes of the username only.
LOGIN_THROTTLE_FAILURES = env_int("LOGIN_THROTTLE_FAILURES", 5, minimum=1)
LOGIN_THROTTLE_GLOBAL_FAILURES = env_int("LOGIN_THROTTLE_GLOBAL_FAILURES", 200, minimum=1)
LOGIN_THROTTLE_WINDOW = env_int("LOGIN_THROTTLE_WINDOW", 15 * 60, minimum=60)
# django-otp: our own throttle replaces its per-device one, which would store failure
# times in the database. The issuer is the name the authenticator app shows next to the
# account; empty by default, so that a seized phone does not name the site.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_TOTP_ISSUER = env_str("TOTP_ISSUER", "")
# --- end of hardening --------------------------------------------------------------------

# --- News and the newsletter (tuidang.news, tuidang.newsletter) --------------------------
# Uploaded files (news cover images, re-encoded by us): served by the application itself.
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
FILE_UPLOAD_PERMISSIONS = 0o644
# Outgoing mail. With EMAIL_HOST set, Django's SMTP backend; without it (make run on a
# development machine) a console backend that prints messages with every address
# replaced by "[address]", so that no subscriber address ever reaches a log.
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", bool(EMAIL_HOST))
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("set EMAIL_USE_TLS or EMAIL_USE_SSL, not both")
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30, minimum=1, maximum=600)
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "tuidang.newsletter.mail.RedactedConsoleBackend"
)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "newsletter@tuidang.example")
if not re.fullmatch(r"(?:[^<>@\s]+ )*<?[^<>@\s]+@[^<>@\s]+\.[^<>@\s]+>?", DEFAULT_FROM_EMAIL):
    raise ImproperlyConfigured(
        f"DEFAULT_FROM_EMAIL is not an e-mail address: {DEFAULT_FROM_EMAIL!r}"
    )
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The public base URL put into mails (links to confirm, unsubscribe, read an article).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
if not re.fullmatch(r"https?://[^/\s]+", SITE_URL):
    raise ImproperlyConfigured(f"SITE_URL must be http(s)://host[:port], got {SITE_URL!r}")
# Subscriber addresses are encrypted with a symmetric key kept outside the database:
# NEWSLETTER_KEY(_FILE) if given (at least 32 characters), else derived from RECEIPT_KEY.
NEWSLETTER_KEY = env_secret("NEWSLETTER_KEY")
if NEWSLETTER_KEY is not None and len(NEWSLETTER_KEY) < 32:
    raise ImproperlyConfigured(
        "NEWSLETTER_KEY or NEWSLETTER_KEY_FILE must hold at least 32 characters"
    )
# Sending: mails per batch (one task run), and at most this many mails a minute.
NEWSLETTER_BATCH = env_int("NEWSLETTER_BATCH", 100, minimum=1, maximum=10_000)
NEWSLETTER_RATE_PER_MINUTE = env_int("NEWSLETTER_RATE_PER_MINUTE", 120, minimum=1, maximum=100_000)
# Unconfirmed sign-ups are removed after this many days; the confirmation link expires then.
NEWSLETTER_CONFIRM_DAYS = env_int("NEWSLETTER_CONFIRM_DAYS", 7, minimum=1, maximum=30)
# --- end of news and the newsletter ------------------------------------------------------

# --- Read caching (tuidang.core.publiccache, tuidang.core.microcache) -------------------
# Anonymous pages that set no cookie are `Cache-Control: public` for this many seconds.
PUBLIC_PAGE_MAX_AGE = env_int("PUBLIC_PAGE_MAX_AGE", 5, maximum=3600)
# Each web process answers repeats of such responses from memory for at most this many
# seconds (0 turns the micro-cache off), keeping at most MICROCACHE_ENTRIES URLs.
MICROCACHE_SECONDS = env_float("MICROCACHE_SECONDS", 1.0, minimum=0.0, maximum=60.0)
MICROCACHE_ENTRIES = env_int("MICROCACHE_ENTRIES", 1000, minimum=1, maximum=100_000)
# ... and at most this many megabytes of response bodies in all (per web process).
MICROCACHE_MEGABYTES = env_int("MICROCACHE_MEGABYTES", 32, minimum=1, maximum=4096)
# The express lanes for plainly valid declaration posts (declaring/express.py, the form;
# api/express.py, the API); off, every post goes through the whole of Django.
EXPRESS_INTAKE = env_bool("EXPRESS_INTAKE", True)
# Most declarations one intake transaction carries (tuidang.intake.groupcommit); 1 turns
# group commit off (one transaction per declaration).
GROUP_COMMIT_MAX = env_int("GROUP_COMMIT_MAX", 200, minimum=1, maximum=5000)

# --- Declarations by e-mail (tuidang.mailintake, docs/mail.md) ---------------------------
# The published address; the LMTP receiver (manage.py receive_mail, started by runservice)
# takes mail for it alone, on 127.0.0.1:LMTP_PORT, from the local Postfix (deploy/postfix).
MAIL_ADDRESS = env_str("MAIL_ADDRESS", "declare@tuidang.example")
if not re.fullmatch(r"[^<>@\s]+@[^<>@\s]+", MAIL_ADDRESS):
    raise ImproperlyConfigured(f"MAIL_ADDRESS is not an e-mail address: {MAIL_ADDRESS!r}")
LMTP_PORT = env_int("LMTP_PORT", 8024, minimum=1, maximum=65535)
# A larger mail is refused with a bounce that says why (552).
MAIL_MAX_BYTES = env_int("MAIL_MAX_BYTES", 1024 * 1024, minimum=10_000, maximum=50 * 1024 * 1024)
# At most this many mails an hour; past it, Postfix is told to try again later (451).
MAIL_PER_HOUR = env_int("MAIL_PER_HOUR", 300, minimum=1, maximum=1_000_000)
# A draft nobody handled is deleted unread after this many days (manage.py prune_mail).
MAIL_DRAFT_DAYS = env_int("MAIL_DRAFT_DAYS", 14, minimum=1, maximum=365)
# --- end of declarations by e-mail -------------------------------------------------------
