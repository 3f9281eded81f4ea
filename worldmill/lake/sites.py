"""Sites: named lakes on different clouds (``aws-us``, ``gcp-eu``, ``azure-asia``), the rule that assigns each
cell to one, a global SQL view that unions their shards, and idempotent replication between them.

A sites file (YAML)::

    sites:
      aws-us:     {root: s3://worldmill-us/lake, env_prefix: WM_AWS_US_, region: us-east-1}
      gcp-eu:     {root: gs://worldmill-eu/lake, env_prefix: WM_GCP_EU_}
      azure-asia: {root: az://worldmill/lake, env_prefix: WM_AZ_ASIA_}
    continents: {NA: aws-us, SA: aws-us, EU: gcp-eu, AF: gcp-eu, AS: azure-asia, OC: azure-asia}
    default: aws-us
    overrides: {tokyo-1850147: aws-us, lagos-2332459__zoo: gcp-eu}   # city or cell keys

Credentials come from the environment (``{env_prefix}AWS_SECRET_ACCESS_KEY`` ...), never from the file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from worldmill.errors import CatalogueError, ConfigError
from worldmill.lake.catalogue import Catalogue, TableWrite, new_connection, run_sql, sql_literal
from worldmill.lake.retry import DEFAULT_RETRY, RetryPolicy
from worldmill.lake.storage import StorageConfig
from worldmill.lake.views import create_standard_views
from worldmill.schemas.lake import ReplicaRow
from worldmill.schemas.records import Record

log = logging.getLogger(__name__)

CONTINENTS = ("AF", "AN", "AS", "EU", "NA", "OC", "SA")
_SITE_NAME = re.compile(r"^[a-z][a-z0-9-]*$")


class SiteSpec(BaseModel):
    """One site in the sites file. Secrets are not allowed here: only the prefix of their variables."""

    model_config = ConfigDict(extra="forbid")

    root: str
    env_prefix: str = ""
    endpoint_url: str | None = None
    region: str | None = None
    options: dict[str, str] = Field(default_factory=dict)


class SitesConfig(BaseModel):
    """Sites and the continent rule (with per-city/cell overrides) that assigns each cell to one."""

    model_config = ConfigDict(extra="forbid")

    sites: dict[str, SiteSpec]
    continents: dict[str, str] = Field(default_factory=dict)
    default: str | None = None
    overrides: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> SitesConfig:
        if not self.sites:
            raise ValueError("no sites: name at least one under 'sites'")
        bad = [n for n in self.sites if not _SITE_NAME.match(n)]
        if bad:
            raise ValueError(f"site names {bad} must be lower-case letters, digits and '-' (e.g. 'aws-us')")
        for where, mapping in (("continents", self.continents), ("overrides", self.overrides)):
            unknown = sorted({s for s in mapping.values() if s not in self.sites})
            if unknown:
                raise ValueError(f"{where} name unknown sites {unknown}; known: {sorted(self.sites)}")
        odd = sorted(set(self.continents) - set(CONTINENTS))
        if odd:
            raise ValueError(f"continents {odd} are not continent codes {list(CONTINENTS)}")
        if self.default is not None and self.default not in self.sites:
            raise ValueError(f"default site {self.default!r} is not one of {sorted(self.sites)}")
        return self

    @classmethod
    def single(cls, root_uri: str, name: str = "local") -> SitesConfig:
        """One site holding everything (the default when no sites file is configured)."""
        return cls(sites={name: SiteSpec(root=root_uri)}, default=name)

    @classmethod
    def load(cls, path: str | Path) -> SitesConfig:
        source = Path(path)
        try:
            data = yaml.safe_load(source.read_text(encoding="utf-8"))
            return cls.model_validate(data)
        except FileNotFoundError:
            raise ConfigError(
                f"Sites file {str(source)!r} does not exist.", fix="check WORLDMILL_SITES or the path."
            ) from None
        except (yaml.YAMLError, ValidationError) as exc:
            raise ConfigError(
                f"Sites file {str(source)!r} is invalid: {exc}",
                fix="see worldmill.lake.sites for the format (sites, continents, default, overrides).",
            ) from exc

    def site_for(self, continent: str | None, *, city_key: str | None = None, cell_key: str | None = None) -> str:
        """The site for a cell: a cell override, else a city override, else the continent rule, else default."""
        for key in (cell_key, city_key or (cell_key.split("__", 1)[0] if cell_key else None)):
            if key and key in self.overrides:
                return self.overrides[key]
        if continent and continent in self.continents:
            return self.continents[continent]
        if self.default:
            return self.default
        if len(self.sites) == 1:
            return next(iter(self.sites))
        raise ConfigError(
            f"No site for continent {continent!r} (city {city_key!r}, cell {cell_key!r}).",
            fix=f"add {continent!r} under 'continents' or set 'default' in the sites file "
            f"(sites: {', '.join(sorted(self.sites))}).",
        )


@dataclasses.dataclass(frozen=True)
class ReplicationReport:
    source_site: str
    target_site: str
    copied: int
    skipped: int  # already replicated before this call
    remaining: int = 0  # left for a later call (``limit``)


def _identifier(name: str) -> str:
    return re.sub(r"[^a-zA-Z0-9_]", "_", name)


class Lake:
    """Every site's catalogue and blob store, routed by the sites rule, with SQL across all of them."""

    def __init__(
        self,
        config: SitesConfig,
        *,
        env: Mapping[str, str] | None = None,
        retry: RetryPolicy = DEFAULT_RETRY,
        blob_prefix: str = "footage",
    ):
        self.config = config
        self.blob_prefix = blob_prefix
        self.storage: dict[str, StorageConfig] = {
            name: StorageConfig.from_env(
                spec.root,
                env=env,
                env_prefix=spec.env_prefix,
                site=name,
                endpoint_url=spec.endpoint_url,
                region=spec.region,
                options=spec.options,
                retry=retry,
            )
            for name, spec in config.sites.items()
        }
        self._catalogues: dict[str, Catalogue] = {}
        self._blobs: dict[str, Any] = {}

    def __repr__(self) -> str:
        return f"Lake(sites={sorted(self.storage)})"

    @property
    def sites(self) -> list[str]:
        return list(self.storage)

    def describe(self) -> dict[str, Any]:
        """Safe summary of every site (no secret values) for logs and metadata."""
        return {name: cfg.describe() for name, cfg in self.storage.items()}

    def _site(self, name: str) -> StorageConfig:
        try:
            return self.storage[name]
        except KeyError:
            raise ConfigError(f"Unknown site {name!r}.", fix=f"use one of {', '.join(sorted(self.storage))}.") from None

    def catalogue(self, site: str) -> Catalogue:
        if site not in self._catalogues:
            self._catalogues[site] = self._site(site).catalogue()
        return self._catalogues[site]

    def blobs(self, site: str) -> Any:
        if site not in self._blobs:
            self._blobs[site] = self._site(site).blob_store(self.blob_prefix)
        return self._blobs[site]

    def site_for(self, continent: str | None, *, city_key: str | None = None, cell_key: str | None = None) -> str:
        return self.config.site_for(continent, city_key=city_key, cell_key=cell_key)

    def site_of_record(self, record: Record, continent_of: Callable[[Record], str | None] | None = None) -> str:
        """Route a record: by ``continent_of(record)`` or its ``continent`` field, with city/cell overrides."""
        continent = continent_of(record) if continent_of else getattr(record, "continent", None)
        cell_key = getattr(record, "cell_key", None)
        city_key = getattr(record, "city_key", None)
        return self.site_for(continent, city_key=city_key, cell_key=cell_key)

    def upsert(
        self, records: Sequence[Record], *, continent_of: Callable[[Record], str | None] | None = None
    ) -> dict[str, TableWrite]:
        """Split records by site and MERGE each shard into its site's table."""
        by_site: dict[str, list[Record]] = {}
        for record in records:
            by_site.setdefault(self.site_of_record(record, continent_of), []).append(record)
        return {site: self.catalogue(site).upsert(shard) for site, shard in by_site.items()}

    # -- global SQL ---------------------------------------------------------------------------------------
    def connect(self, sites: Iterable[str] | None = None) -> duckdb.DuckDBPyConnection:
        """DuckDB with, per table, a view unioning every site's shard (``UNION ALL BY NAME``) plus a ``site``
        column, and the standard analytics views."""
        con = new_connection()
        shards: dict[str, list[str]] = {}
        for site in sites or self.sites:
            catalogue = self.catalogue(site)
            for table in catalogue.tables():
                name = f"__{_identifier(table)}__{_identifier(site)}"
                con.register(name, catalogue.dataset(table))
                shards.setdefault(table, []).append(f'SELECT *, {sql_literal(site)} AS site FROM "{name}"')
        for table, selects in shards.items():
            con.execute(f'CREATE VIEW "{table}" AS ' + " UNION ALL BY NAME ".join(selects))
        create_standard_views(con, set(shards))
        return con

    def sql(self, query: str, *, sites: Iterable[str] | None = None) -> pl.DataFrame:
        con = self.connect(sites)
        try:
            tables = [r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()]
            return run_sql(con, query, known=sorted(t for t in tables if not t.startswith("__")))
        finally:
            con.close()

    # -- replication ---------------------------------------------------------------------------------------
    def replicate(
        self,
        source_site: str,
        target_site: str,
        *,
        where: str = "accepted",
        table: str = "catalogue",
        limit: int | None = None,
    ) -> ReplicationReport:
        """Copy accepted clips' files from one site to another. Idempotent and resumable: clips already
        recorded in the target's ``replicas`` table are skipped, and each copy is recorded after it lands."""
        if source_site == target_site:
            raise ConfigError(f"Replication from {source_site!r} to itself.", fix="choose a different target site.")
        source, target = self.catalogue(source_site), self.catalogue(target_site)
        if not source.exists(table):
            return ReplicationReport(source_site, target_site, 0, 0)
        rows = source.read(table, columns=["clip_id", "uri"], where=where)
        done = set(target.read("replicas", columns=["clip_id"], where=f"target_site = {sql_literal(target_site)}")["clip_id"])
        pending = [r for r in rows.iter_rows(named=True) if r["clip_id"] not in done]
        todo = pending if limit is None else pending[:limit]
        src_blobs, dst_blobs = self.blobs(source_site), self.blobs(target_site)
        for row in todo:
            key = self._blob_key(src_blobs, row["uri"])
            local = src_blobs.open_local(key)
            target_uri = dst_blobs.publish_dir(local, key) if local.is_dir() else dst_blobs.publish_file(local, key)
            target.upsert(
                [
                    ReplicaRow(
                        row["clip_id"],
                        target_site,
                        source_site,
                        key,
                        row["uri"],
                        target_uri,
                        dt.datetime.now(dt.UTC),
                    )
                ]
            )
        return ReplicationReport(
            source_site, target_site, len(todo), len(rows) - len(pending), len(pending) - len(todo)
        )

    @staticmethod
    def _blob_key(blobs: Any, uri: str) -> str:
        root = blobs.root_uri.rstrip("/") + "/"
        if not uri.startswith(root):
            raise CatalogueError(
                f"Clip URI {uri!r} is not under the site's blob root {root!r}.",
                fix="replicate from the site that holds the clip (its URI starts with that site's root).",
            )
        return uri[len(root) :]
