"""TEIS settings: environment variables only (django-environ), with safe defaults for the embedded mode.

Embedded: SQLite under var/, files under var/media/, in-memory channel layer, SQLite Huey.
Scaled: DATABASE_URL, REDIS_URL and STORAGE_URL switch to PostgreSQL, Redis and S3-compatible storage.
"""

import hashlib
import sys
from pathlib import Path

import environ

env = environ.Env()
BASE_DIR = Path(__file__).resolve().parent.parent
# Under pytest the suite gets its own var/ so that it never touches the demo database or files.
TESTING = env.bool("TEIS_TESTING", default="pytest" in sys.modules)
VAR_DIR = Path(env.str("TEIS_VAR_DIR", default=str(BASE_DIR / "var" / ("test" if TESTING else ""))))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DEBUG", default=False)


def _embedded_secret() -> str:
    """A per-installation secret kept under var/, so the embedded mode needs no configuration."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        import secrets

        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env.str("SECRET_KEY", default="") or _embedded_secret()
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "django_htmx",
    "oauth2_provider",
    "channels",
    "huey.contrib.djhuey",
    "teis.core",
    "teis.org",
    "teis.audit",
    "teis.workflow",
    "teis.legal",
    "teis.cases",
    "teis.evidence",
    "teis.dispatch",
    "teis.maritime",
    "teis.inspections",
    "teis.petitions",
    "teis.documents",
    "teis.finance",
    "teis.analytics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "teis.core.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "teis.core.middleware.ApiErrorBodyMiddleware",
    "teis.core.middleware.NulByteGuardMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "teis.core.middleware.RequestContextMiddleware",
    "teis.org.middleware.SecurityPolicyMiddleware",
]

ROOT_URLCONF = "teis.urls"
WSGI_APPLICATION = "teis.wsgi.application"
ASGI_APPLICATION = "teis.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "teis" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "teis.core.context_processors.shell",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url_config(env.str("DATABASE_URL", default="") or f"sqlite:///{VAR_DIR / 'teis.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the job worker read while one of them writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        }
    )
    # The covering indexes (INCLUDE columns) serve PostgreSQL's index-only scans; SQLite builds them without the
    # extra columns, which is all the embedded default needs.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
    if TESTING:
        # The test database is a file (on tmpfs when there is one), not SQLite's shared-cache memory database: the
        # live server of the browser tests serves each request in a thread of its own, and only a file's locks wait
        # (`timeout`) where shared-cache table locks fail at once ("database table is locked"); handing the threads
        # the test's one connection instead interleaves their transactions ("no such savepoint").
        _shm = Path("/dev/shm")  # noqa: S108 (tmpfs for the test suite's own database, never for data)
        _test_db_dir = _shm if _shm.is_dir() else VAR_DIR
        _checkout = hashlib.sha1(str(BASE_DIR).encode()).hexdigest()[:8]  # noqa: S324 (a name, not a secret)
        DATABASES["default"]["TEST"] = {"NAME": str(_test_db_dir / f"teis-test-{_checkout}.sqlite3")}
else:
    if TESTING:
        # One test database per checkout, so two checkouts on one server never drop each other's (xdist adds _gwN).
        _checkout = hashlib.sha1(str(BASE_DIR).encode()).hexdigest()[:8]  # noqa: S324 (a name, not a secret)
        DATABASES["default"]["TEST"] = {"NAME": f"test_teis_{_checkout}"}
        # A test database need not survive a power cut: commits (live-server and transactional tests, the
        # migrations that build the database) do not wait for the WAL flush.
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c synchronous_commit=off"
    # Under ASGI each request may run in another thread, and a persistent connection belongs to its thread:
    # CONN_MAX_AGE=60 left 76 connections open after 50 requests ("too many clients"). So each process uses
    # a bounded psycopg pool (connections are returned when a request ends) or, with DB_POOL=0, closes its
    # connection after every request. The test suite keeps plain connections (pytest-django creates and
    # drops the test database through them); tests/test_db_connections.py runs a real server with the pool.
    if env.bool("DB_POOL", default=not TESTING):
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": env.int("DB_POOL_MIN", default=1),
            "max_size": env.int("DB_POOL_MAX", default=10),
            "timeout": env.int("DB_POOL_TIMEOUT", default=10),
        }
    else:
        DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=0)
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache, channels, jobs ----------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [REDIS_URL]}}}
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "teis",
        "url": REDIS_URL,
        "immediate": env.bool("HUEY_IMMEDIATE", default=False),
    }
else:
    # The embedded mode runs the web server and the worker as separate processes, so the cache that
    # holds lockout counters and rate limits must be shared between them: a database table.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "teis_cache",
        }
    }
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "teis",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": env.bool("HUEY_IMMEDIATE", default=False),
    }

# --- auth -----------------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = ["teis.org.backends.RoleBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "teis.org.passwords.PolicyPasswordValidator"},
    {"NAME": "teis.org.passwords.UsernamePasswordValidator"},
    {"NAME": "teis.org.passwords.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 12 * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# --- 罚没款: the city's non-tax payment platform and e-receipt platform (docs/finance.md) ----------------
# Empty URL: the local simulator in-process (embedded mode, tests); its HTTP face is /finance/sim/platform/.
FINANCE_PLATFORM_URL = env.str("FINANCE_PLATFORM_URL", default="")
FINANCE_PLATFORM_KEY = env.str("FINANCE_PLATFORM_KEY", default="teis-embedded-simulator-key")
FINANCE_PLATFORM_TIMEOUT = env.float("FINANCE_PLATFORM_TIMEOUT", default=10.0)
FINANCE_NOTIFY_URL = env.str("FINANCE_NOTIFY_URL", default="")  # the simulator's notifications: in-process when empty
FINANCE_SIMULATOR = env.bool("FINANCE_SIMULATOR", default=True)  # serve /finance/sim/ (off in production)
FINANCE_REGION_CODE = env.str("FINANCE_REGION_CODE", default="3100")  # first digits of every 缴款码

# --- security (production values come from the environment) --------------------------------------
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=False)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=False)
CSRF_COOKIE_HTTPONLY = True  # scripts read the token from the page (body hx-headers), never from the cookie
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_PROXY", False) else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# 国密 keys: SM4 for personal data at rest (versioned for rotation), SM3-HMAC for the blind index.
# The embedded defaults are derived from the installation secret; production sets them explicitly.
TEIS_SM4_KEYS = {
    int(k): v
    for k, v in env.dict("TEIS_SM4_KEYS", default={}).items()  # "1=hex32,2=hex32"
}
if not TEIS_SM4_KEYS and (VAR_DIR / "sm4_keys").exists():  # written by `manage.py restore`
    TEIS_SM4_KEYS = {
        int(k): v for k, v in (item.split("=", 1) for item in (VAR_DIR / "sm4_keys").read_text().split(",") if item)
    }
if not TEIS_SM4_KEYS:
    import hashlib

    TEIS_SM4_KEYS = {1: hashlib.sha256(("sm4:" + SECRET_KEY).encode()).hexdigest()[:32]}
TEIS_SM4_KEY_VERSION = env.int("TEIS_SM4_KEY_VERSION", default=max(TEIS_SM4_KEYS))
TEIS_INDEX_KEY = env.str("TEIS_INDEX_KEY", default="")
if not TEIS_INDEX_KEY and (VAR_DIR / "index_key").exists():  # written by `manage.py restore`
    TEIS_INDEX_KEY = (VAR_DIR / "index_key").read_text().strip()
if not TEIS_INDEX_KEY:
    import hashlib

    TEIS_INDEX_KEY = hashlib.sha256(("index:" + SECRET_KEY).encode()).hexdigest()


# Audit chain key (HMAC-SM3): kept outside the database, so that whoever can write the database cannot
# recompute the chain. Production sets TEIS_AUDIT_KEY (64 hex chars); the embedded mode keeps it in var/.
def _embedded_hex_key(name: str) -> str:
    path = VAR_DIR / name
    if not path.exists():
        import secrets

        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


TEIS_AUDIT_KEY = env.str("TEIS_AUDIT_KEY", default="") or _embedded_hex_key("audit_key")
# Signed checkpoints of the chain head are written here (a directory the database administrator cannot change).
TEIS_AUDIT_CHECKPOINT_DIR = Path(env.str("TEIS_AUDIT_CHECKPOINT_DIR", default=str(VAR_DIR / "audit_checkpoints")))
TEIS_AUDIT_CHECKPOINT_MINUTES = env.int("TEIS_AUDIT_CHECKPOINT_MINUTES", default=10)

# Backups (`manage.py backup`, and the nightly job): where, when, how many kept. The key material inside a
# backup is encrypted with TEIS_BACKUP_PASSPHRASE, which is kept apart from the backups.
TEIS_BACKUP_DIR = Path(env.str("TEIS_BACKUP_DIR", default=str(VAR_DIR / "backups")))
TEIS_BACKUP_HOUR = env.int("TEIS_BACKUP_HOUR", default=1)
TEIS_BACKUP_KEEP = env.int("TEIS_BACKUP_KEEP", default=7)

# --- i18n -----------------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- files ----------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "teis" / "static"]
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGE_URL = env.str("STORAGE_URL", default="")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

# --- API ------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Bearer first, so that an unauthenticated API call answers 401 with WWW-Authenticate.
        "teis.org.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["teis.core.api.permissions.ModelPermission"],
    "DEFAULT_PAGINATION_CLASS": "teis.core.api.pagination.Pagination",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "teis.core.api.errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"auth": env.str("AUTH_THROTTLE_RATE", default="20/min")},
    "PAGE_SIZE": 20,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "TEIS 交通综合执法信息系统 API",
    "DESCRIPTION": "统一接口：移动执法、上级平台与内部系统。所有错误返回 {code, message, fields}。",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "/static/vendor/swagger-ui-dist",
    "SWAGGER_UI_FAVICON_HREF": "/static/vendor/swagger-ui-dist/favicon-32x32.png",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "teis.core.api.schema.document_errors",
    ],
    # several models have a field named "status" with different choices: name each enum after its class
    "ENUM_NAME_OVERRIDES": {
        "OfficerStatusEnum": "teis.org.choices.OfficerStatus",
        "CodeStatusEnum": "teis.legal.choices.CodeStatus",
        "ProvisionStatusEnum": "teis.legal.choices.ProvisionStatus",
        "ApplicationStatusEnum": "teis.legal.choices.ApplicationStatus",
        "WarningStatusEnum": "teis.legal.choices.WarningStatus",
        "TodoStatusEnum": "teis.core.models.TodoStatus",
        "InstanceStatusEnum": "teis.workflow.choices.InstanceStatus",
        "TaskStatusEnum": "teis.workflow.choices.TaskStatus",
        "TaskKindEnum": "teis.workflow.choices.TaskKind",
        "WorkflowDecisionEnum": "teis.workflow.choices.Decision",
        "CaseStatusEnum": "teis.cases.choices.CaseStatus",
        "OverloadDisposalEnum": "teis.cases.choices.OverloadDisposal",
        "PaymentStatusEnum": "teis.cases.choices.PaymentStatus",
        "PropertyStatusEnum": "teis.cases.choices.PropertyStatus",
        "RecordStatusEnum": "teis.cases.choices.RecordStatus",
        "PartyKindEnum": "teis.cases.choices.PartyKind",
        "PropertyKindEnum": "teis.cases.choices.PropertyKind",
        "WarningKindEnum": "teis.cases.choices.WarningKind",
        "CaseRequestKindEnum": "teis.cases.choices.CaseRequestKind",
        "CaseRequestStatusEnum": "teis.cases.choices.CaseRequestStatus",
        # --- evidence (add entries for the evidence app below this line) ---
        "EvidenceStatusEnum": "teis.evidence.choices.EvidenceStatus",
        "DeviceStatusEnum": "teis.evidence.choices.DeviceStatus",
        "DeviceKindEnum": "teis.evidence.choices.DeviceKind",
        "UploadStatusEnum": "teis.evidence.choices.UploadStatus",
        "EvidenceSourceEnum": "teis.evidence.choices.EvidenceSource",
        "EvidenceCategoryEnum": "teis.evidence.choices.EvidenceCategory",
        "CaseSourceEnum": "teis.cases.choices.CaseSource",  # "source" is shared with evidence (and dispatch)
        # --- dispatch ---
        "VehicleKindEnum": "teis.dispatch.choices.VehicleKind",
        "VehicleStatusEnum": "teis.dispatch.choices.VehicleStatus",
        "GeofenceKindEnum": "teis.dispatch.choices.GeofenceKind",
        "AlarmKindEnum": "teis.dispatch.choices.AlarmKind",
        "CommandStatusEnum": "teis.dispatch.choices.CommandStatus",
        "CheckpointKindEnum": "teis.dispatch.choices.CheckpointKind",
        "PlanStatusEnum": "teis.dispatch.choices.PlanStatus",
        "ApprovalStatusEnum": "teis.dispatch.choices.ApprovalStatus",
        "OrderStatusEnum": "teis.dispatch.choices.OrderStatus",
        "FixSourceEnum": "teis.dispatch.choices.FixSource",
        "DutyTaskTypeEnum": "teis.dispatch.choices.TaskType",
        "SignInMethodEnum": "teis.dispatch.choices.SignInMethod",
        # --- maritime ---
        "MaritimeAreaKindEnum": "teis.maritime.choices.AreaKind",
        "VesselEventKindEnum": "teis.maritime.choices.EventKind",
        "MaritimeAlertKindEnum": "teis.maritime.choices.AlertKind",
        "MaritimeAlertStatusEnum": "teis.maritime.choices.AlertStatus",
        "MaritimeAlertResultEnum": "teis.maritime.choices.AlertResult",
        "MaritimeClueStatusEnum": "teis.maritime.choices.ClueStatus",
        "EmergencyInfoKindEnum": "teis.maritime.choices.EmergencyInfoKind",
        "WaterAccidentLevelEnum": "teis.maritime.choices.AccidentLevel",
        "ShipCategoryEnum": "teis.maritime.choices.ShipCategory",
        "CrossingDirectionEnum": "teis.maritime.choices.CrossingDirection",
        "VesselMotionStateEnum": "teis.maritime.choices.MotionState",
        "AisClassEnum": "teis.maritime.choices.AisClass",
        # --- inspections ---
        "InspectionObjectKindEnum": "teis.inspections.choices.ObjectKind",
        "InspectionObjectStatusEnum": "teis.inspections.choices.ObjectStatus",
        "InspectionPlanStatusEnum": "teis.inspections.choices.PlanStatus",
        "InspectionTaskStatusEnum": "teis.inspections.choices.TaskStatus",
        "InspectionImportStatusEnum": "teis.inspections.choices.ImportStatus",
        "InspectionWarningKindEnum": "teis.inspections.choices.WarningKind",
        "InspectionWarningStatusEnum": "teis.inspections.choices.WarningStatus",
        "InspectionTaskResultEnum": "teis.inspections.choices.TaskResult",
        "InspectionFindingResultEnum": "teis.inspections.choices.FindingResult",
        "InspectionIndicatorKindEnum": "teis.inspections.choices.IndicatorKind",
        "InspectionIndicatorDirectionEnum": "teis.inspections.choices.IndicatorDirection",
        # --- petitions ---
        "PetitionStatusEnum": "teis.petitions.choices.PetitionStatus",
        "PetitionKindEnum": "teis.petitions.choices.PetitionKind",
        "PetitionChannelEnum": "teis.petitions.choices.Channel",
        "PetitionSatisfactionEnum": "teis.petitions.choices.Satisfaction",
        "PetitionSupervisionKindEnum": "teis.petitions.choices.SupervisionKind",
        "PetitionSupervisionStatusEnum": "teis.petitions.choices.SupervisionStatus",
        # --- finance ---
        "StockApprovalStatusEnum": "teis.finance.choices.ApprovalStatus",
    },
}


# --- single sign-on: TEIS is an OpenID Connect provider -----------------------------------------
def _oidc_key() -> str:
    path = VAR_DIR / "oidc_rsa.pem"
    if not path.exists():
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        path.chmod(0o600)
    return path.read_text()


OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": env.str("OIDC_RSA_PRIVATE_KEY", default="") or _oidc_key(),
    "PKCE_REQUIRED": True,
    "SCOPES": {"openid": "身份标识", "profile": "基本信息"},
    "OAUTH2_VALIDATOR_CLASS": "teis.org.oidc.TeisOAuth2Validator",
    # Only the code flow (PKCE S256) and refresh: see teis.org.oidc.
    "OAUTH2_SERVER_CLASS": "teis.org.oidc.TeisOidcServer",
    "OIDC_RESPONSE_TYPES_SUPPORTED": ["code"],
    # 等保二级: short-lived access and ID tokens, renewed with a refresh token (rotated on use).
    "ACCESS_TOKEN_EXPIRE_SECONDS": env.int("OIDC_ACCESS_TOKEN_SECONDS", default=3600),
    "ID_TOKEN_EXPIRE_SECONDS": env.int("OIDC_ACCESS_TOKEN_SECONDS", default=3600),
    "REFRESH_TOKEN_EXPIRE_SECONDS": env.int("OIDC_REFRESH_TOKEN_SECONDS", default=8 * 3600),
    "ROTATE_REFRESH_TOKEN": True,
}

# --- logging --------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # huey's consumer installs its own handler; without this every worker line is printed twice
    "loggers": {
        "django.request": {"level": "ERROR"},
        "huey": {"propagate": False},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Unified case code (统一案件编码): widths of region, enforcement subject, item type, date (YYMMDD), sequence.
TEIS_CASE_CODE_WIDTHS = [int(w) for w in env.list("TEIS_CASE_CODE_WIDTHS", default=["6", "2", "1", "6", "3"])]
# API bearer tokens (mobile app) live this long after login; they also end after the policy's idle timeout.
TEIS_API_TOKEN_HOURS = env.float("TEIS_API_TOKEN_HOURS", default=8)
TEIS_EXPORT_SYNC_LIMIT = env.int("TEIS_EXPORT_SYNC_LIMIT", default=2000)
# Audit records are kept at least 180 days (等保二级); older ones are archived to files, then removed.
TEIS_AUDIT_RETENTION_DAYS = env.int("TEIS_AUDIT_RETENTION_DAYS", default=180)
# 法律依据预警: when on, a violation code flagged by a legal change cannot be used until it is acknowledged or revised.
TEIS_LEGAL_FLAG_BLOCKS_USE = env.bool("TEIS_LEGAL_FLAG_BLOCKS_USE", default=False)

# Map base layer: an internal tile server URL template ({z}/{x}/{y}); empty = the packaged offline district map.
TEIS_MAP_TILE_URL = env.str("TEIS_MAP_TILE_URL", default="")
# The address printed in the QR code of every issued document (its public verification page /verify/<code>).
TEIS_PUBLIC_URL = env.str("TEIS_PUBLIC_URL", default="http://localhost:8000").rstrip("/")
# Public verification page: requests per minute and address (uploads count 5).
TEIS_VERIFY_RATE = env.int("TEIS_VERIFY_RATE", default=60)
# Device gateways started by `make run` (embedded): JT/T 808 TCP and AIS NMEA listeners.
TEIS_JT808_PORT = env.int("TEIS_JT808_PORT", default=7808)
TEIS_AIS_PORT = env.int("TEIS_AIS_PORT", default=10110)
# Listen addresses of the device gateways: loopback unless set (production sets the address terminals reach,
# e.g. 0.0.0.0 behind the firewall; docs/deploy.md).
TEIS_JT808_HOST = env.str("TEIS_JT808_HOST", default="127.0.0.1")
# The gateway's write-ahead journal of location reports (a report is acknowledged once it is fsync'd here; what
# a crash left is replayed on start). Empty: no journal, a report is acknowledged once its batch is committed.
TEIS_JT808_JOURNAL_DIR = env.str("TEIS_JT808_JOURNAL_DIR", default=str(VAR_DIR / "jt808-journal"))
TEIS_AIS_HOST = env.str("TEIS_AIS_HOST", default="127.0.0.1")
# State of the embedded supervisor's children (scripts/supervise.py), shown on the operations page.
TEIS_SUPERVISOR_STATE = Path(env.str("TEIS_SUPERVISOR_STATE", default=str(VAR_DIR / "supervisor.json")))

if TESTING:
    # Fast hashing and in-process jobs in the test suite only.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    HUEY = {**HUEY, "immediate": True}
    if not REDIS_URL:
        CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
