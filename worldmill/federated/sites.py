"""Which site a SuperNode serves: a name and the root of that site's lake.

Stand-in until ``worldmill.lake`` ships its sites configuration: switching means replacing ``SiteSpec``
below with an import of the lake's site type (it has ``name``, ``root_uri`` and ``storage_options``).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from typing import Any

from worldmill.errors import ConfigError
from worldmill.lake.uris import normalise_root

_SITE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


@dataclasses.dataclass(frozen=True)
class SiteSpec:
    """One catalogue site. ``storage_options`` (deltalake) may hold secrets: never log them."""

    name: str
    root_uri: str
    storage_options: Mapping[str, str] = dataclasses.field(default_factory=dict, repr=False)


def check_sites(sites: Sequence[Any]) -> list[Any]:
    """Sites with valid, unique names and a usable root (raises ``ConfigError`` naming the bad one)."""
    if not sites:
        raise ConfigError("No sites given for the federation.", fix="configure at least one site (name and root URI).")
    seen: set[str] = set()
    for site in sites:
        if not _SITE_NAME.match(site.name or ""):
            raise ConfigError(
                f"Site name {site.name!r} is not a lower-case slug.", fix="use letters, digits, '-' and '_' (e.g. 'aws-us')."
            )
        if site.name in seen:
            raise ConfigError(f"Site {site.name!r} is configured twice.", fix="give each site a distinct name.")
        seen.add(site.name)
        normalise_root(site.root_uri)
    return list(sites)


def node_config_for(site: Any, **extra: str) -> str:
    """The ``--node-config`` value that tells a SuperNode which site it serves (no secrets: those stay in
    the SuperNode's environment)."""
    items = {"site": site.name, "root-uri": normalise_root(site.root_uri), **extra}
    return " ".join(f"{key}={_toml_string(value)}" for key, value in items.items())


def site_from_node_config(node_config: Mapping[str, Any]) -> SiteSpec:
    """The site a ClientApp serves, from its SuperNode's ``--node-config``."""
    missing = [k for k in ("site", "root-uri") if not node_config.get(k)]
    if missing:
        raise ConfigError(
            f"SuperNode node-config lacks {', '.join(missing)} (got keys {sorted(node_config)}).",
            fix="start the SuperNode with --node-config 'site=\"NAME\" root-uri=\"URI\"'.",
        )
    return SiteSpec(name=str(node_config["site"]), root_uri=normalise_root(str(node_config["root-uri"])))


def _toml_string(value: str) -> str:
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
