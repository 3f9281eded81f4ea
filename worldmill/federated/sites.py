"""Which site a SuperNode serves: a name, the root of that site's lake, and the non-secret storage
settings of ``worldmill.lake.sites`` (credentials stay in the SuperNode's environment, under the site's
``env_prefix``, and are read there by ``worldmill.lake.storage.StorageConfig``).
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from worldmill.errors import ConfigError
from worldmill.lake.uris import normalise_root

_SITE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


@dataclasses.dataclass(frozen=True)
class SiteSpec:
    """One catalogue site, as named in the lake's sites file (``sites: {name: {root, env_prefix, ...}}``)."""

    name: str
    root_uri: str
    env_prefix: str = ""
    endpoint_url: str | None = None
    region: str | None = None
    options: Mapping[str, str] = dataclasses.field(default_factory=dict)

    def storage(self, env: Mapping[str, str] | None = None) -> Any:
        """The site's ``StorageConfig`` with credentials from ``env`` (default: this process's environment)."""
        from worldmill.lake.storage import StorageConfig

        return StorageConfig.from_env(
            self.root_uri,
            env=env,
            env_prefix=self.env_prefix,
            site=self.name,
            endpoint_url=self.endpoint_url,
            region=self.region,
            options=dict(self.options),
        )


def sites_from_config(config: Any) -> list[SiteSpec]:
    """Every site of a ``worldmill.lake.sites.SitesConfig``, in the file's order."""
    return [
        SiteSpec(name, spec.root, spec.env_prefix, spec.endpoint_url, spec.region, dict(spec.options))
        for name, spec in config.sites.items()
    ]


def check_sites(sites: Sequence[SiteSpec]) -> list[SiteSpec]:
    """Sites with valid, unique names and a usable root (raises ``ConfigError`` naming the bad one)."""
    if not sites:
        raise ConfigError("No sites given for the federation.", fix="configure at least one site (name and root URI).")
    seen: set[str] = set()
    for site in sites:
        if not _SITE_NAME.match(site.name or ""):
            raise ConfigError(
                f"Site name {site.name!r} is not a lower-case slug.",
                fix="use letters, digits, '-' and '_' (e.g. 'aws-us').",
            )
        if site.name in seen:
            raise ConfigError(f"Site {site.name!r} is configured twice.", fix="give each site a distinct name.")
        seen.add(site.name)
        normalise_root(site.root_uri)
    return list(sites)


def node_config_for(site: SiteSpec, **extra: str) -> str:
    """The ``--node-config`` value that tells a SuperNode which site it serves. It holds no secret: the
    SuperNode reads credentials from its own environment."""
    items: dict[str, str] = {"site": site.name, "root-uri": normalise_root(site.root_uri)}
    if site.env_prefix:
        items["env-prefix"] = site.env_prefix
    if site.endpoint_url:
        items["endpoint-url"] = site.endpoint_url
    if site.region:
        items["region"] = site.region
    if site.options:
        items["options-json"] = json.dumps(dict(site.options), sort_keys=True)
    items.update(extra)
    return " ".join(f"{key}={_toml_string(value)}" for key, value in items.items())


def site_from_node_config(node_config: Mapping[str, Any]) -> SiteSpec:
    """The site a ClientApp serves, from its SuperNode's ``--node-config``."""
    missing = [k for k in ("site", "root-uri") if not node_config.get(k)]
    if missing:
        raise ConfigError(
            f"SuperNode node-config lacks {', '.join(missing)} (got keys {sorted(node_config)}).",
            fix="start the SuperNode with --node-config \"site='NAME' root-uri='URI'\" (see node_config_for).",
        )
    return SiteSpec(
        name=str(node_config["site"]),
        root_uri=normalise_root(str(node_config["root-uri"])),
        env_prefix=str(node_config.get("env-prefix", "")),
        endpoint_url=str(node_config["endpoint-url"]) if node_config.get("endpoint-url") else None,
        region=str(node_config["region"]) if node_config.get("region") else None,
        options=json.loads(str(node_config.get("options-json") or "{}")),
    )


def _toml_string(value: str) -> str:
    """A TOML string that Flower's ``--node-config`` parser reads back whole: it splits on quotes and does
    not honour escapes, so use a literal string ('...') unless the value holds a single quote."""
    text = str(value)
    if "'" not in text and "\n" not in text:
        return f"'{text}'"
    if '"' not in text and "\\" not in text and "\n" not in text:
        return f'"{text}"'
    raise ConfigError(
        f"Node config value {text!r} mixes single and double quotes (or holds a newline or backslash).",
        fix="rename the path or option so it avoids one kind of quote.",
    )
