"""Every setting, read from the environment (django-environ). local/production/test only adjust defaults."""

import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()


def checkout_commit(base_dir: Path) -> str:
    """The commit checked out in base_dir, read from .git's files (no git process); "" if none."""
    git = base_dir / ".git"
    try:
        head = (git / "HEAD").read_text().strip()
        if not head.startswith("ref: "):
            return head
        ref = head.removeprefix("ref: ")
        if (git / ref).is_file():
            return (git / ref).read_text().strip()
        for line in (git / "packed-refs").read_text().splitlines():
            if line.endswith(f" {ref}"):
                return line.split()[0]
    except OSError:
        pass
    return ""


def package_version(base_dir: Path) -> str:
    with (base_dir / "pyproject.toml").open("rb") as pyproject:
        return tomllib.load(pyproject)["project"]["version"]


# What is running: part of every cache key, so a deploy never serves what the last release cached.
RELEASE = env("RELEASE", default="") or checkout_commit(BASE_DIR)[:12] or package_version(BASE_DIR)

SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-local-development-key-not-for-production")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'incubator.sqlite3'}")
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web process and workers share the embedded database. Reads
    # go through a memory map of the file (up to 256 MiB of address space; the pages are the
    # operating system's page cache, shared by every process): with only SQLite's own cache of
    # 2 MiB per connection, each write evicted the pages the next page's queries read, and a
    # board at 10,000 proposals read them back with a system call each (its queries took about
    # 1.4 ms after a change instead of 1.1 ms).
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA mmap_size=268435456;"
        ),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "allauth",
    "allauth.account",
    "ninja",
    "csp",
    "members",
    "proposals",
    "workers",
    "meetups",
    "insight",
    "introductions",
    "webhooks",
    "slack_app",
    "applications",
    "entrance",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "members.middleware.UserLanguageMiddleware",
    "members.middleware.UserTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "incubator.api_middleware.ApiMethodNotAllowedMiddleware",  # innermost: sees the view's answer
]

ROOT_URLCONF = "incubator.urls"
WSGI_APPLICATION = "incubator.wsgi.application"

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
                "workers.context_processors.notifications",
            ],
        },
    }
]

AUTH_USER_MODEL = "members.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "proposals:board"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"

# django-allauth: username + email; the community invites people, so sign-up can be closed.
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", default="optional")
ACCOUNT_ADAPTER = "members.adapters.AccountAdapter"
# allauth's forms in the community's words (labels, help, kind errors): members/forms.py.
ACCOUNT_FORMS = {
    name: f"members.forms.{form}"
    for name, form in {
        "login": "LoginForm",
        "signup": "SignupForm",
        "reset_password": "ResetPasswordForm",
        "reset_password_from_key": "ResetPasswordKeyForm",
        "change_password": "ChangePasswordForm",
        "set_password": "SetPasswordForm",
        "add_email": "AddEmailForm",
    }.items()
}
INVITE_ONLY = env.bool("INVITE_ONLY", default=False)
# Comma-separated; "a, b" is the codes "a" and "b".
INVITE_CODES = [code.strip() for code in env.list("INVITE_CODES", default=[]) if code.strip()]
# Asking to join (applications/): the confirmation link works this long; an approved applicant's
# single-use sign-up link this many days; per address and per IP, at most this many applications
# in the window; a form sent sooner than this after it was shown is taken for a robot's.
APPLICATIONS_CONFIRM_HOURS = env.int("APPLICATIONS_CONFIRM_HOURS", default=72)
APPLICATIONS_INVITE_DAYS = env.int("APPLICATIONS_INVITE_DAYS", default=14)
APPLICATIONS_PER_ADDRESS = env.int("APPLICATIONS_PER_ADDRESS", default=3)
APPLICATIONS_PER_IP = env.int("APPLICATIONS_PER_IP", default=10)
APPLICATIONS_RATE_WINDOW_SECONDS = env.int("APPLICATIONS_RATE_WINDOW_SECONDS", default=24 * 3600)
APPLICATIONS_MIN_FILL_SECONDS = env.int("APPLICATIONS_MIN_FILL_SECONDS", default=4)
# Where an applicant's reply to a moderator's question goes (Reply-To); DEFAULT_FROM_EMAIL's
# address when empty.
APPLICATIONS_REPLY_TO = env("APPLICATIONS_REPLY_TO", default="")
# The Slack workspace's invitation link, sent with an approved applicant's invitation when set.
SLACK_INVITE_URL = env("SLACK_INVITE_URL", default="")

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["incubator.formats"]  # one date format per language
TIME_ZONE = env("TIME_ZONE", default="Asia/Tokyo")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/sortablejs", BASE_DIR / "node_modules" / "sortablejs"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# EMAIL_URL configures a real mail server, e.g. smtp+tls://user:password@smtp.example.org:587
if env("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="incubator <noreply@localhost>")

# Domain rules
MIN_TEAM_SIZE = env.int("MIN_TEAM_SIZE", default=2)
# An invitation to a team that nobody answered ends after this many days (issue 13).
INVITATION_DAYS = env.int("INVITATION_DAYS", default=14)
# Introductions (issue 13, introductions/): a round every this many days (rounds start on a
# Monday when it is a number of weeks), from this hour of the community's day; "did you get to
# talk?" this many days after an introduction.
INTRODUCTIONS_EVERY_DAYS = env.int("INTRODUCTIONS_EVERY_DAYS", default=14)
INTRODUCTIONS_HOUR = env.int("INTRODUCTIONS_HOUR", default=10)
INTRODUCTIONS_FOLLOW_UP_DAYS = env.int("INTRODUCTIONS_FOLLOW_UP_DAYS", default=7)
PROPOSALS_PER_PAGE = 20

# Celery: tasks take ids, are idempotent, ack late and survive a lost worker (workers/tasks.py).
REDIS_URL = env("REDIS_URL", default="")
# With no REDIS_URL, the embedded broker is Kombu's SQLAlchemy transport on a SQLite file: nothing
# to install, and a message is a row written in one transaction (never half a file).
EMBEDDED_BROKER_DIR = Path(env("EMBEDDED_BROKER_DIR", default=str(VAR_DIR / "broker")))
CELERY_BROKER_URL = REDIS_URL or f"sqla+sqlite:///{EMBEDDED_BROKER_DIR / 'broker.sqlite3'}"
# Every countdown (Slack's Retry-After, backoff) and time limit stays well inside this.
WORKERS_VISIBILITY_TIMEOUT = 3600
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "visibility_timeout": WORKERS_VISIBILITY_TIMEOUT,
        "socket_connect_timeout": 2,
        "socket_timeout": 5,
    }
    if REDIS_URL
    # The web, the worker and beat share the SQLite file: each waits its turn for the write lock.
    else {"connect_args": {"timeout": 30}}
)
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# Publishing gives up quickly: the outbox row is already committed and the sweeper sends it later.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_TASK_TIME_LIMIT = 60
CELERY_TASK_SOFT_TIME_LIMIT = 45
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "sweep-deliveries": {
        "task": "workers.sweep_deliveries",
        "schedule": env.int("WORKERS_SWEEP_INTERVAL_SECONDS", default=30),
    },
    "daily-email-digests": {
        "task": "workers.send_daily_digests",
        "schedule": crontab(minute=0, hour=env.int("WORKERS_DIGEST_HOUR", default=8)),
    },
    "remind-unanswered-join-requests": {
        "task": "workers.remind_unanswered_join_requests",
        "schedule": crontab(minute=30, hour=9),
    },
    "nudge-quiet-proposals": {
        "task": "workers.nudge_quiet_proposals",
        "schedule": crontab(minute=0, hour=10),
    },
    "weekly-slack-digest": {
        "task": "workers.post_weekly_slack_digest",
        "schedule": crontab(minute=0, hour=9, day_of_week="mon"),
    },
    # Meetups: reminders before (a day and an hour by default), "anything you'd like to try?" after.
    "meetup-reminders": {"task": "workers.send_meetup_reminders", "schedule": 300.0},
    "meetup-follow-ups": {"task": "workers.send_meetup_follow_ups", "schedule": 900.0},
    "expire-invitations": {"task": "workers.expire_invitations", "schedule": crontab(minute=15)},
    # The moderators' weekly figures, on Monday morning in the community's time zone.
    "organiser-digest": {
        "task": "workers.send_organiser_digest",
        "schedule": crontab(minute=30, hour=8, day_of_week="mon"),
    },
    # Commitments with an end: asked during the day (a missed run is made up within the day).
    "ask-about-commitments": {
        "task": "workers.ask_about_commitments",
        "schedule": crontab(minute=40, hour="9-20"),
    },
    # Introductions: a round when one is due, "did you get to talk?" a week on, the Slack sender.
    "introductions": {"task": "workers.run_introductions", "schedule": 600.0},
    # Slack's event receipts: an unhandled one published again, old ones pruned.
    "slack-event-receipts": {"task": "workers.sweep_slack_event_receipts", "schedule": 900.0},
}

# Notifications (workers/)
# A pending delivery untouched this long is taken to be lost on its way to the broker.
WORKERS_SWEEP_GRACE_SECONDS = env.int("WORKERS_SWEEP_GRACE_SECONDS", default=60)
# How long a worker may hold a delivery in "sending"; longer than the task's hard time limit.
WORKERS_DELIVERY_LEASE_SECONDS = env.int("WORKERS_DELIVERY_LEASE_SECONDS", default=90)
# Each Slack channel's sender (workers/relay.py): its lease, renewed before every Slack call, and
# how long one run sends before it hands over (re-arms itself).
WORKERS_RELAY_LEASE_SECONDS = env.int("WORKERS_RELAY_LEASE_SECONDS", default=30)
WORKERS_RELAY_RUN_SECONDS = env.int("WORKERS_RELAY_RUN_SECONDS", default=30)
# Several changes of one proposal within this window make one chat.update of its card.
WORKERS_SLACK_CARD_COALESCE_SECONDS = env.float("WORKERS_SLACK_CARD_COALESCE_SECONDS", default=1.0)
# A backlog whose oldest delivery waits longer is logged (once) and makes /healthz answer 503.
WORKERS_BACKLOG_WARN_SECONDS = env.int("WORKERS_BACKLOG_WARN_SECONDS", default=600)
WORKERS_MAX_ATTEMPTS = env.int("WORKERS_MAX_ATTEMPTS", default=8)
WORKERS_BACKOFF_BASE_SECONDS = env.float("WORKERS_BACKOFF_BASE_SECONDS", default=2.0)
WORKERS_BACKOFF_MAX_SECONDS = env.int("WORKERS_BACKOFF_MAX_SECONDS", default=600)
WORKERS_CHEER_WINDOW_SECONDS = env.int("WORKERS_CHEER_WINDOW_SECONDS", default=600)
WORKERS_JOIN_REMINDER_DAYS = env.int("WORKERS_JOIN_REMINDER_DAYS", default=3)
WORKERS_NUDGE_QUIET_DAYS = env.int("WORKERS_NUDGE_QUIET_DAYS", default=30)

# Outgoing webhooks (webhooks/): moderators' receivers of the community's events.
# Only for tests and a local setup: let webhooks reach loopback and private addresses, and plain
# http. Off, only https addresses on the public internet are accepted (and checked again before
# every request).
WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = env.bool("WEBHOOKS_ALLOW_PRIVATE_ADDRESSES", default=False)
# Each step of a request (connect, TLS, the answer) waits at most this long.
WEBHOOKS_TIMEOUT_SECONDS = env.float("WEBHOOKS_TIMEOUT_SECONDS", default=5.0)
# Tries of one delivery (network errors, timeouts, 408, 429, 5xx) before it fails for good; the
# backoff between them is the workers' (WORKERS_BACKOFF_*).
WEBHOOKS_MAX_ATTEMPTS = env.int("WEBHOOKS_MAX_ATTEMPTS", default=8)
# Deliveries failed for good in a row that turn a webhook off (the moderators are told).
WEBHOOKS_DISABLE_AFTER_FAILURES = env.int("WEBHOOKS_DISABLE_AFTER_FAILURES", default=5)
# How long the delivery log keeps finished deliveries.
WEBHOOKS_LOG_DAYS = env.int("WEBHOOKS_LOG_DAYS", default=30)

# Slack (bot token; with no token the Slack channel is off and its deliveries are skipped)
SLACK_BOT_TOKEN = env("SLACK_BOT_TOKEN", default="")
SLACK_CHANNEL_ID = env("SLACK_CHANNEL_ID", default="")
SLACK_SIGNING_SECRET = env("SLACK_SIGNING_SECRET", default="")
SLACK_API_URL = env("SLACK_API_URL", default="https://slack.com/api/")
SLACK_TIMEOUT_SECONDS = env.int("SLACK_TIMEOUT_SECONDS", default=10)
# About one message per second per channel: each channel's one sender keeps this pace.
SLACK_MESSAGES_PER_SECOND = env.float("SLACK_MESSAGES_PER_SECOND", default=1.0)
# Slack's limits per app over the whole workspace, all channels together: every Slack write (posts,
# cards posted again, card updates) shares the first (posting allows several hundred a minute);
# card updates (chat.update, a Tier 3 method: 50+ a minute) also keep the second.
SLACK_WORKSPACE_CALLS_PER_MINUTE = env.float("SLACK_WORKSPACE_CALLS_PER_MINUTE", default=300.0)
SLACK_UPDATES_PER_MINUTE = env.float("SLACK_UPDATES_PER_MINUTE", default=50.0)
# Introductions open a group DM each (conversations.open, a Tier 3 method: 50+ a minute).
SLACK_OPENS_PER_MINUTE = env.float("SLACK_OPENS_PER_MINUTE", default=45.0)
# The App Home: the changes of one action (a request accepted: two Homes) wait this long to be
# shown together in one views.publish per Home.
SLACK_HOME_COALESCE_SECONDS = env.float("SLACK_HOME_COALESCE_SECONDS", default=1.0)
# When Slack answers 429, the channel waits its Retry-After plus this.
SLACK_RETRY_AFTER_MARGIN_SECONDS = env.float("SLACK_RETRY_AFTER_MARGIN_SECONDS", default=1.0)
# Added to each slot of the pace, so the network's jitter never brings two posts too close.
SLACK_PACE_MARGIN_SECONDS = env.float("SLACK_PACE_MARGIN_SECONDS", default=0.03)
# Optional routing: a theme's proposals go to that theme's channel, e.g. {"防災": "C0123"}.
SLACK_THEME_CHANNELS = env.json("SLACK_THEME_CHANNELS", default={})
# Where a new member's self-introduction is posted when they tick "post my introduction to
# Slack" during their first steps (issue 16); empty: the choice is not offered.
SLACK_INTRO_CHANNEL_ID = env("SLACK_INTRO_CHANNEL_ID", default="")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

# Acting from Slack and signing in with Slack (slack_app/inbound.py, members/slack_login.py)
SLACK_TEAM_ID = env("SLACK_TEAM_ID", default="")  # the one workspace we accept
SLACK_APP_ID = env("SLACK_APP_ID", default="")  # the one app we accept
SLACK_COMMAND = env("SLACK_COMMAND", default="/yattemitai")
SLACK_COMMAND_RATE_PER_MINUTE = env.int("SLACK_COMMAND_RATE_PER_MINUTE", default=10)
# Socket Mode (slack_app/socket.py, `manage.py slack_socket`): the app-level token (xapp-…, scope
# connections:write). Empty: no Socket Mode runner; Slack reaches the HTTP endpoints instead.
SLACK_APP_TOKEN = env("SLACK_APP_TOKEN", default="")
# How often the runner pings Slack; a connection silent for four pings is dropped and reopened.
SLACK_SOCKET_PING_SECONDS = env.float("SLACK_SOCKET_PING_SECONDS", default=5.0)
# Event receipts (one per event_id, so a retried event is handled once) are kept this long.
SLACK_EVENT_RECEIPT_DAYS = env.int("SLACK_EVENT_RECEIPT_DAYS", default=7)
# A reaction with this emoji (its name, without colons) offers to make the message a proposal.
SLACK_PROPOSAL_EMOJI = env("SLACK_PROPOSAL_EMOJI", default="bulb")
SLACK_CLIENT_ID = env("SLACK_CLIENT_ID", default="")
SLACK_CLIENT_SECRET = env("SLACK_CLIENT_SECRET", default="")
SLACK_OIDC_URL = env("SLACK_OIDC_URL", default="https://slack.com")
# Where mail and Slack links point; by default the port `make run` serves (PORT).
_port = env.int("PORT", default=8000)
SITE_URL = env("SITE_URL", default=f"http://127.0.0.1:{_port}")
INSTALLED_APPS += ["allauth.socialaccount", "allauth.socialaccount.providers.openid_connect"]
SOCIALACCOUNT_ADAPTER = "members.slack_login.SlackAccountAdapter"
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        "APPS": (
            [
                {
                    "provider_id": "slack",
                    "name": "Slack",
                    "client_id": SLACK_CLIENT_ID,
                    "secret": SLACK_CLIENT_SECRET,
                    "settings": {
                        "server_url": SLACK_OIDC_URL,
                        "scope": ["openid", "profile", "email"],
                        "auth_params": {"team": SLACK_TEAM_ID} if SLACK_TEAM_ID else {},
                    },
                }
            ]
            if SLACK_CLIENT_ID
            else []
        )
    }
}
CELERY_IMPORTS = ["workers.tasks"]  # also found by autodiscovery; nothing else imports it
# A cache shared by every process: rate limits (sign-in, Slack commands).
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    )
}


def release_key_prefix(caches: dict) -> dict:
    """Every cache keyed on the release: what one release cached, the next never reads."""
    return {name: {**cache, "KEY_PREFIX": f"incubator:{RELEASE}"} for name, cache in caches.items()}


CACHES = release_key_prefix(CACHES)

_slack_origin = "{0.scheme}://{0.netloc}".format(urlsplit(SLACK_OIDC_URL))
# Content-Security-Policy (django-csp): scripts and styles only from our own static files; an
# inline <script> needs nonce="{{ request.csp_nonce }}". Nothing inline may set a style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        # Sign in with Slack posts here and is redirected to Slack: form-action covers redirects.
        "form-action": [SELF, *([_slack_origin] if SLACK_CLIENT_ID else [])],
    }
}
