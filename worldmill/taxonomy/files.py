"""Reading taxonomy YAML files into pydantic models, with errors that name the file, the field and the fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from worldmill.errors import TaxonomyError

DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent / "data"

ModelT = TypeVar("ModelT", bound=BaseModel)
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml parses venues.yaml ~10x faster


def read_yaml(path: Path) -> Any:
    """The parsed document; a missing, unreadable or syntactically broken file raises ``TaxonomyError``."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise TaxonomyError(
            f"Taxonomy file {path} does not exist.", fix="create it, or point the loader at a directory that has it"
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise TaxonomyError(
            f"Taxonomy file {path} cannot be read: {exc}.", fix="make it a readable UTF-8 text file"
        ) from exc
    try:
        return yaml.load(text, Loader=_SAFE_LOADER)
    except yaml.YAMLError as exc:
        raise TaxonomyError(
            f"Taxonomy file {path} is not valid YAML: {exc}", fix="correct the YAML syntax at the line shown"
        ) from exc


def describe_location(loc: tuple[Any, ...], data: Any) -> str:
    """``venues[3].decor[2].size_min`` for a pydantic location, with the ``id``/``name`` of list items
    where the raw data has one (``venues[3] (zoo)``), so the reader can find the entry."""
    parts: list[str] = []
    node = data
    for step in loc:
        if isinstance(step, int):
            label = f"[{step}]"
            item = node[step] if isinstance(node, list) and 0 <= step < len(node) else None
            if isinstance(item, dict):
                ident = item.get("id", item.get("name", item.get("geonameid")))
                if ident is not None:
                    label += f" ({ident})"
            parts.append(label)
            node = item
        else:
            parts.append(("." if parts else "") + str(step))
            node = node.get(step) if isinstance(node, dict) else None
    return "".join(parts) or "(top level)"


def validate_file(path: Path, model: type[ModelT], *, fix: str, data: Any = None) -> ModelT:
    """Parse ``path`` (or already-read ``data``) as ``model``; the first validation error becomes a
    ``TaxonomyError`` naming the file, the field and the fix."""
    if data is None:
        data = read_yaml(path)
    if data is None:
        raise TaxonomyError(f"Taxonomy file {path} is empty.", fix=fix)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = describe_location(tuple(err["loc"]), data)
        more = f" (and {exc.error_count() - 1} more problems)" if exc.error_count() > 1 else ""
        raise TaxonomyError(f"Taxonomy file {path}, field {where}: {err['msg']}{more}.", fix=fix) from exc
