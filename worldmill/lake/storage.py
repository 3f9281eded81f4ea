"""One storage configuration per site: a root URI plus credentials read from environment variables.

The same configuration renders deltalake storage options (for the Delta tables) and fsspec filesystem
arguments (for blobs), so both always point at the same bucket with the same identity. Secret values are
held outside ``repr`` and ``describe()``; messages name environment variables, never their values.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from worldmill.errors import ConfigError
from worldmill.lake.retry import DEFAULT_RETRY, RetryPolicy
from worldmill.lake.uris import fsspec_path, is_secret_option, normalise_root, redact_uri, scheme_of

KIND_BY_SCHEME = {
    "file": "local",
    "s3": "s3",
    "s3a": "s3",
    "gs": "gcs",
    "gcs": "gcs",
    "az": "azure",
    "abfs": "azure",
    "abfss": "azure",
    "adl": "azure",
}

# Environment variables read for each kind (optionally behind a per-site prefix, e.g. WM_AWS_US_).
ENV_VARS: dict[str, tuple[str, ...]] = {
    "local": (),
    "s3": (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_ENDPOINT_URL",
        "AWS_ALLOW_HTTP",
    ),
    "gcs": (
        "GOOGLE_APPLICATION_CREDENTIALS",
        "GOOGLE_SERVICE_ACCOUNT_KEY",
        "GOOGLE_CLOUD_PROJECT",
        "STORAGE_EMULATOR_HOST",
    ),
    "azure": (
        "AZURE_STORAGE_ACCOUNT_NAME",
        "AZURE_STORAGE_ACCOUNT_KEY",
        "AZURE_STORAGE_SAS_TOKEN",
        "AZURE_STORAGE_CONNECTION_STRING",
        "AZURE_STORAGE_USE_EMULATOR",
        "AZURE_STORAGE_ENDPOINT",
        "AZURE_CLIENT_ID",
        "AZURE_CLIENT_SECRET",
        "AZURE_TENANT_ID",
    ),
}

# object_store's own HTTP retries, bounded so that our retry policy (with its clear error) stays in charge.
DEFAULT_HTTP_OPTIONS = {"max_retries": "2", "retry_timeout": "10s", "connect_timeout": "5s", "timeout": "60s"}

# fsspec's directory-listing cache off for every object store (see ``StorageConfig.filesystem``).
NO_LISTINGS_CACHE: dict[str, Any] = {"use_listings_cache": False}

AZURITE_ACCOUNT = "devstoreaccount1"
# The Azurite emulator's published well-known key (not a secret: it is in Microsoft's documentation).
AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


@dataclasses.dataclass(frozen=True)
class StorageConfig:
    """Where one site's lake lives and how to authenticate. Build with ``from_env``.

    ``credentials`` holds the values read from the environment, keyed by the unprefixed variable name
    (``AWS_SECRET_ACCESS_KEY``); it is excluded from ``repr`` and never rendered by ``describe()``.
    """

    root_uri: str
    site: str | None = None
    endpoint_url: str | None = None
    region: str | None = None
    options: Mapping[str, str] = dataclasses.field(default_factory=dict)
    credentials: Mapping[str, str] = dataclasses.field(default_factory=dict, repr=False)
    env_prefix: str = ""
    retry: RetryPolicy = DEFAULT_RETRY

    def __post_init__(self) -> None:
        object.__setattr__(self, "root_uri", normalise_root(self.root_uri))
        secret_options = sorted(k for k in self.options if is_secret_option(k))
        if secret_options:
            raise ConfigError(
                f"Storage options {secret_options} for site {self.site!r} hold secrets in plain configuration.",
                fix="put secrets in environment variables (see worldmill.lake.storage.ENV_VARS), not in options.",
            )

    # -- construction -----------------------------------------------------------------------------------
    @classmethod
    def from_env(
        cls,
        root_uri: str,
        *,
        env: Mapping[str, str] | None = None,
        env_prefix: str = "",
        site: str | None = None,
        endpoint_url: str | None = None,
        region: str | None = None,
        options: Mapping[str, str] | None = None,
        retry: RetryPolicy = DEFAULT_RETRY,
    ) -> StorageConfig:
        """Read the credentials for ``root_uri``'s kind from ``env`` (default ``os.environ``).

        With ``env_prefix="WM_AWS_US_"`` the variables are ``WM_AWS_US_AWS_ACCESS_KEY_ID`` and so on, so two
        sites on the same cloud can use different identities.
        """
        environ = os.environ if env is None else env
        kind = KIND_BY_SCHEME.get(scheme_of(root_uri), "local")
        creds = {name: environ[env_prefix + name] for name in ENV_VARS[kind] if environ.get(env_prefix + name)}
        endpoint = endpoint_url or creds.pop("AWS_ENDPOINT_URL", None) or creds.pop("AZURE_STORAGE_ENDPOINT", None)
        host = creds.pop("STORAGE_EMULATOR_HOST", None)
        if not endpoint and host:
            endpoint = host if "://" in host else f"http://{host}"
        reg = region or creds.pop("AWS_REGION", None) or creds.pop("AWS_DEFAULT_REGION", None)
        creds.pop("AWS_REGION", None)
        creds.pop("AWS_DEFAULT_REGION", None)
        return cls(
            root_uri=root_uri,
            site=site,
            endpoint_url=endpoint,
            region=reg,
            options=dict(options or {}),
            credentials=creds,
            env_prefix=env_prefix,
            retry=retry,
        )

    # -- facts ----------------------------------------------------------------------------------------------
    @property
    def kind(self) -> str:
        return KIND_BY_SCHEME[scheme_of(self.root_uri)]

    @property
    def is_local(self) -> bool:
        return self.kind == "local"

    @property
    def bucket(self) -> str | None:
        """Bucket (S3, GCS) or container (Azure) of the root."""
        if self.is_local:
            return None
        rest = self.root_uri.split("://", 1)[1]
        first = rest.split("/", 1)[0]
        return first.split("@", 1)[0]

    @property
    def endpoint(self) -> str:
        """The endpoint that requests go to, safe for messages (``provider default`` when none is set)."""
        if self.kind == "azure" and self._azure_emulator():
            account = self.credentials.get("AZURE_STORAGE_ACCOUNT_NAME") or self._abfs_account() or AZURITE_ACCOUNT
            return redact_uri(self._azure_blob_endpoint(account))
        if self.endpoint_url:
            return redact_uri(self.endpoint_url)
        return "local filesystem" if self.is_local else f"the {self.kind} provider's default endpoint"

    def describe(self) -> dict[str, Any]:
        """A summary safe for logs and Dagster metadata: names of the credential variables, never values."""
        return {
            "site": self.site,
            "kind": self.kind,
            "root_uri": redact_uri(self.root_uri),
            "endpoint_url": redact_uri(self.endpoint_url) if self.endpoint_url else None,
            "region": self.region,
            "credentials_from": sorted(self.env_prefix + name for name in self.credentials),
            "options": dict(self.options),
        }

    def secret_values(self) -> dict[str, str]:
        """Secret-named credentials (for masking text that might echo them)."""
        return {k: v for k, v in self.credentials.items() if is_secret_option(k)}

    # -- deltalake ----------------------------------------------------------------------------------------
    def delta_storage_options(self) -> dict[str, str]:
        """Storage options for ``deltalake`` (object_store keys). Contains secrets: never log it."""
        if self.is_local:
            return {}
        c = self.credentials
        out: dict[str, str] = dict(DEFAULT_HTTP_OPTIONS)
        if self.kind == "s3":
            for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
                if c.get(name):
                    out[name] = c[name]
            if self.region:
                out["AWS_REGION"] = self.region
            if self.endpoint_url:
                out["AWS_ENDPOINT_URL"] = self.endpoint_url
            if self.endpoint_url and self.endpoint_url.startswith("http://") or _truthy(c.get("AWS_ALLOW_HTTP")):
                out["AWS_ALLOW_HTTP"] = "true"
        elif self.kind == "gcs":
            if c.get("GOOGLE_SERVICE_ACCOUNT_KEY"):
                out["google_service_account_key"] = c["GOOGLE_SERVICE_ACCOUNT_KEY"]
            elif c.get("GOOGLE_APPLICATION_CREDENTIALS"):
                out["google_service_account"] = c["GOOGLE_APPLICATION_CREDENTIALS"]
            if self.endpoint_url:
                # An emulator: object_store speaks GCS's XML API (S3-style listing), which
                # gcp-storage-emulator answers with 501, so Delta on it fails; real GCS works.
                out["google_base_url"] = self.endpoint_url
                out["allow_http"] = "true"
                out["google_skip_signature"] = "true"
        elif self.kind == "azure":
            account = c.get("AZURE_STORAGE_ACCOUNT_NAME") or self._abfs_account()
            # delta-rs fills unset options from the process environment, and object_store's use_emulator
            # pins http://127.0.0.1:10000 over any endpoint: the endpoint rendered here is the one that counts.
            out["use_emulator"] = "false"
            if self._azure_emulator():
                account = account or AZURITE_ACCOUNT
                out["account_key"] = c.get("AZURE_STORAGE_ACCOUNT_KEY", AZURITE_KEY)
                out["azure_storage_endpoint"] = self._azure_blob_endpoint(account)
                out["allow_http"] = "true"
            else:
                if c.get("AZURE_STORAGE_ACCOUNT_KEY"):
                    out["account_key"] = c["AZURE_STORAGE_ACCOUNT_KEY"]
                if self.endpoint_url:
                    out["azure_storage_endpoint"] = self.endpoint_url
            if c.get("AZURE_STORAGE_SAS_TOKEN"):
                out["sas_token"] = c["AZURE_STORAGE_SAS_TOKEN"]
            for name, key in (
                ("AZURE_CLIENT_ID", "client_id"),
                ("AZURE_CLIENT_SECRET", "client_secret"),
                ("AZURE_TENANT_ID", "tenant_id"),
            ):
                if c.get(name):
                    out[key] = c[name]
            if account:
                out["account_name"] = account
        out.update(self.options)
        return out

    # -- fsspec -------------------------------------------------------------------------------------------
    def fsspec_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for the fsspec filesystem of this kind. Contains secrets: never log it."""
        c = self.credentials
        if self.is_local:
            return {}
        if self.kind == "s3":
            kwargs: dict[str, Any] = {"client_kwargs": {}, "config_kwargs": {"retries": {"max_attempts": 2}}}
            if c.get("AWS_ACCESS_KEY_ID"):
                kwargs["key"] = c["AWS_ACCESS_KEY_ID"]
            if c.get("AWS_SECRET_ACCESS_KEY"):
                kwargs["secret"] = c["AWS_SECRET_ACCESS_KEY"]
            if c.get("AWS_SESSION_TOKEN"):
                kwargs["token"] = c["AWS_SESSION_TOKEN"]
            if self.endpoint_url:
                kwargs["endpoint_url"] = self.endpoint_url
            if self.region:
                kwargs["client_kwargs"]["region_name"] = self.region
            return kwargs
        if self.kind == "gcs":
            kwargs = {}
            if self.endpoint_url:
                kwargs["endpoint_url"] = self.endpoint_url
                kwargs["token"] = "anon"
            if c.get("GOOGLE_SERVICE_ACCOUNT_KEY"):
                import json

                kwargs["token"] = json.loads(c["GOOGLE_SERVICE_ACCOUNT_KEY"])
            elif c.get("GOOGLE_APPLICATION_CREDENTIALS"):
                kwargs["token"] = c["GOOGLE_APPLICATION_CREDENTIALS"]
            if c.get("GOOGLE_CLOUD_PROJECT"):
                kwargs["project"] = c["GOOGLE_CLOUD_PROJECT"]
            return kwargs
        # azure
        if c.get("AZURE_STORAGE_CONNECTION_STRING"):
            return {"connection_string": c["AZURE_STORAGE_CONNECTION_STRING"]}
        if self._azure_emulator():
            account = c.get("AZURE_STORAGE_ACCOUNT_NAME", AZURITE_ACCOUNT)
            key = c.get("AZURE_STORAGE_ACCOUNT_KEY", AZURITE_KEY)
            return {
                "connection_string": f"DefaultEndpointsProtocol=http;AccountName={account};AccountKey={key};"
                f"BlobEndpoint={self._azure_blob_endpoint(account)};"
            }
        kwargs = {"account_name": c.get("AZURE_STORAGE_ACCOUNT_NAME") or self._abfs_account()}
        for name, key in (
            ("AZURE_STORAGE_ACCOUNT_KEY", "account_key"),
            ("AZURE_STORAGE_SAS_TOKEN", "sas_token"),
            ("AZURE_CLIENT_ID", "client_id"),
            ("AZURE_CLIENT_SECRET", "client_secret"),
            ("AZURE_TENANT_ID", "tenant_id"),
        ):
            if c.get(name):
                kwargs[key] = c[name]
        return kwargs

    def filesystem(self) -> Any:
        """A new fsspec filesystem for this site (not cached: credentials may rotate between runs).

        Listings are never cached: Delta commits, other processes and other sites write behind the
        filesystem's back, and a cached listing of ``tables/`` once hid a table created moments before.
        """
        if self.is_local:
            from fsspec.implementations.local import LocalFileSystem

            return LocalFileSystem(auto_mkdir=True)
        if self.kind == "s3":
            import s3fs

            return s3fs.S3FileSystem(skip_instance_cache=True, **NO_LISTINGS_CACHE, **self.fsspec_kwargs())
        if self.kind == "gcs":
            # The plain class: the "extended" default probes a gRPC endpoint for 60 s on emulators.
            from gcsfs.core import GCSFileSystem

            return GCSFileSystem(skip_instance_cache=True, **NO_LISTINGS_CACHE, **self.fsspec_kwargs())
        import adlfs

        fs = adlfs.AzureBlobFileSystem(skip_instance_cache=True, **NO_LISTINGS_CACHE, **self.fsspec_kwargs())
        _bound_azure_sdk_retries(fs)
        return fs

    def ensure_bucket(self) -> None:
        """Create the root's bucket/container if missing (emulators, first-time set-up); local: the directory."""
        if self.is_local:
            Path(self.root_uri).mkdir(parents=True, exist_ok=True)
            return
        fs = self.filesystem()
        if self.kind == "s3" and self.region in (None, "us-east-1"):
            # us-east-1 is the one region S3 rejects as an explicit LocationConstraint.
            import s3fs

            kwargs = self.fsspec_kwargs()
            kwargs["client_kwargs"] = {k: v for k, v in kwargs["client_kwargs"].items() if k != "region_name"}
            fs = s3fs.S3FileSystem(skip_instance_cache=True, **kwargs)
        try:
            if not fs.exists(self.bucket):
                fs.mkdir(self.bucket)
        except FileExistsError:
            pass

    def fs_path(self, uri: str) -> str:
        """The path fsspec uses for a URI under this root (no scheme; ``container/...`` for Azure)."""
        return fsspec_path(uri)

    # -- factories -----------------------------------------------------------------------------------
    def catalogue(self) -> Any:
        from worldmill.lake.catalogue import Catalogue

        return Catalogue(
            self.root_uri,
            self.delta_storage_options(),
            site=self.site,
            retry=self.retry,
            filesystem=self.filesystem(),
            endpoint=self.endpoint,
        )

    def blob_store(self, prefix: str = "footage", *, cache_dir: Path | None = None) -> Any:
        """The blob store under ``{root}/{prefix}``; object stores cache downloads in ``cache_dir``."""
        from worldmill.lake.blobs import FsspecBlobStore, LocalBlobStore
        from worldmill.lake.uris import join

        root = join(self.root_uri, prefix)
        if self.is_local:
            return LocalBlobStore(root)
        return FsspecBlobStore(self, root, cache_dir=cache_dir)

    # -- helpers ------------------------------------------------------------------------------------------
    def _azure_emulator(self) -> bool:
        return _truthy(self.credentials.get("AZURE_STORAGE_USE_EMULATOR")) or bool(
            self.endpoint_url and ("127.0.0.1" in self.endpoint_url or "localhost" in self.endpoint_url)
        )

    def _azure_blob_endpoint(self, account: str) -> str:
        base = (self.endpoint_url or "http://127.0.0.1:10000").rstrip("/")
        return base if base.endswith("/" + account) else f"{base}/{account}"

    def _abfs_account(self) -> str | None:
        host = self.root_uri.split("://", 1)[1].split("/", 1)[0]
        return host.split("@", 1)[1].split(".", 1)[0] if "@" in host else None


def _bound_azure_sdk_retries(fs: Any, retries: int = 1, initial_backoff_s: float = 0.5) -> None:
    """Shorten the Azure SDK's own retries (3 tries from 15 s backoff: a minute per call on a dead endpoint).

    adlfs exposes no retry settings, so the policy object in the client's pipeline is adjusted; our
    ``RetryPolicy`` then decides, and the error names the site within seconds.
    """
    client = getattr(fs, "service_client", None)
    for policy in getattr(getattr(client, "_pipeline", None), "_impl_policies", []):
        if hasattr(policy, "total_retries") and hasattr(policy, "initial_backoff"):
            policy.total_retries = policy.connect_retries = policy.read_retries = policy.status_retries = retries
            policy.initial_backoff, policy.increment_base = initial_backoff_s, 2
            if hasattr(policy, "random_jitter_range"):
                policy.random_jitter_range = initial_backoff_s / 2
