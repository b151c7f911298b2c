"""The portal registry: the domain model every layer uses (which portals exist, how to crawl and
clean each, and what makes two URLs the same article)."""

from portalnews.registry.portal import (
    BUILTIN_REGISTRY,
    EXTRACT_KEYS,
    Portal,
    RegistryError,
    load_registry,
    select,
)

__all__ = ["BUILTIN_REGISTRY", "EXTRACT_KEYS", "Portal", "RegistryError", "load_registry", "select"]
