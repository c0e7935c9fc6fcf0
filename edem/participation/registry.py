"""The module registry: each feature app describes itself in its ``manifest.py``.

The core reads the registry to build the navigation, the municipality home
page, the citizen cabinet, the notification preferences and the demo data,
so adding a module never means editing the core.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class HomeBlock:
    """What a module shows on a municipality's home page."""

    title: str
    template: str
    context: dict[str, Any]


@dataclass(frozen=True)
class CabinetSection:
    """What a module shows in the citizen's cabinet."""

    title: str
    template: str
    context: dict[str, Any]


@dataclass(frozen=True)
class ModuleManifest:
    """A module's description: name, where it lives and what it adds to the core."""

    name: str
    verbose_name: Any
    url_name: str | None = None
    enabled_by_default: bool = True
    order: int = 100
    # event kind -> (label, default channels)
    event_kinds: dict[str, tuple[Any, tuple[str, ...]]] = field(default_factory=dict)
    # event kinds only staff receive (hidden from citizens' preferences)
    staff_event_kinds: frozenset[str] = frozenset()
    # phase kind -> label; the features a phase of that kind switches on
    phase_kinds: dict[str, Any] = field(default_factory=dict)
    home_blocks: Callable[[Any], Iterable[HomeBlock]] | None = None
    cabinet_section: Callable[[Any], CabinetSection | None] | None = None
    # Seeds the module's demo content of a municipality; may return the staff
    # logins it made (username -> password) for `seed_demo` to print.
    demo_seeder: Callable[[Any], dict[str, str] | None] | None = None

    def url_for(self, municipality) -> str | None:
        if not self.url_name:
            return None
        try:
            return reverse(self.url_name, kwargs={"municipality": municipality.slug})
        except NoReverseMatch:
            return None


class Registry:
    def __init__(self) -> None:
        self._modules: dict[str, ModuleManifest] = {}

    def register(self, manifest: ModuleManifest) -> ModuleManifest:
        self._modules[manifest.name] = manifest
        return manifest

    def get(self, name: str) -> ModuleManifest | None:
        return self._modules.get(name)

    def all(self) -> list[ModuleManifest]:
        return sorted(self._modules.values(), key=lambda m: (m.order, m.name))

    def enabled(self, municipality) -> list[ModuleManifest]:
        """Modules switched on for the municipality, read with one query."""
        from edem.municipalities.models import FeatureFlag

        switches = FeatureFlag.switches(municipality)
        return [
            m for m in self.all() if switches.get(m.name, m.enabled_by_default)
        ]

    def enabled_modules(self, municipality) -> list[dict[str, Any]]:
        """Navigation entries (name, label, url) of the modules the municipality runs."""
        entries = []
        for manifest in self.enabled(municipality):
            url = manifest.url_for(municipality)
            if url:
                entries.append({"name": manifest.name, "label": manifest.verbose_name, "url": url})
        return entries

    def event_kinds(self) -> dict[str, tuple[Any, tuple[str, ...]]]:
        kinds: dict[str, tuple[Any, tuple[str, ...]]] = {}
        for manifest in self.all():
            kinds.update(manifest.event_kinds)
        return kinds


registry = Registry()
