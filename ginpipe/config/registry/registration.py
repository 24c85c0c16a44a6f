"""Makes any importable function or class usable from gin, on demand, with no decorator.

A config names things in three ways, all resolved here the first time they are referenced:

* a dotted path: `@torch.optim.AdamW`, `torch.optim.AdamW.lr = 1e-3`;
* an alias declared once in a config (`import lightning.pytorch as pl`) or an import list
  (`--module_list`, GinPipe's `module: alias` lines): `@pl.callbacks.ModelCheckpoint()`;
* a short name of the project's own code (`@fit_model`, `Resnet.n_layers`), looked up in an index of
  the project's packages that is read with `ast`, so that nothing is imported until it is referenced.

Resolving imports nothing it can avoid: `Lookup` reads the project's source and a cache of installed
libraries' signatures, so checking a config costs milliseconds. `register_objects` imports and
registers the referenced objects when a task is about to run; a config that never mentions torch
never imports torch, and objects gin cannot wrap (pybind enums and the like) are never touched.
"""
from __future__ import annotations

import ast
import importlib.util
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import gin

from ...errors import ConfigError, Where, did_you_mean
from .. import gin_internals
from ..text.import_lists import parse_module_list, read_module_list
from .importing import import_object, missing_module_hint
from .lookup import Lookup
from .module_identity import copies_error, definition_site, importable_anywhere, installed_name
from .signature import Signature, signature_of_object

__all__ = ["Registry", "register_objects", "forget_registered", "import_object", "read_module_list",
           "parse_module_list", "missing_module_hint"]


@dataclass
class Registry:
    """Resolves names used in a config to complete gin selectors, importing nothing it can avoid.

    Resolving records, per complete selector, the `Signature` the checks read and the dotted path
    `register_objects` imports when a task is about to run.
    """

    aliases: dict[str, str] = field(default_factory=dict)  # alias -> dotted path of module/object
    packages: list[str] = field(default_factory=list)  # packages whose names are usable short
    root: Path = field(default_factory=Path.cwd)
    _index: dict[str, list[str]] | None = None  # short name -> dotted paths defining it
    listed: set[str] = field(default_factory=set)  # aliases that come from import lists (--module_list)
    _homes: dict[str, str] = field(default_factory=dict)  # dotted path -> gin module, for import lists
    lookup: Lookup = field(default_factory=Lookup)
    signatures: dict[str, Signature] = field(default_factory=dict)  # complete selector -> signature
    paths: dict[str, str | None] = field(default_factory=dict)  # complete selector -> import path (None: gin's)
    _sites: dict | None = None  # definition site -> complete selector: one definition, one configurable
    also_import: list[tuple] = field(default_factory=list)  # (path, shared selector, selector, where)
    renamed: dict[str, str] = field(default_factory=dict)  # complete selector -> the better name it gave way to

    def resolve(self, selector: str, where: Where) -> str:
        """Return the complete gin selector for `selector`, noting what `register_objects` imports."""
        located = self._locate(selector, where)
        if located is None:  # not ours to import: maybe registered by the user's own code
            existing = gin_internals.registered_selector(selector)
            if existing:
                self.signatures[existing] = signature_of_object(gin_internals.registered_object(existing))
                self.paths[existing] = None
                return existing
            raise self._unknown(selector, where)
        path, module_name = located
        signature = self.lookup.object(path, where, selector)
        assert signature is not None  # must_exist: an absent object raised
        name = selector.rsplit(".", 1)[-1]
        module_name = module_name or signature.module or None  # gin's own default
        complete = f"{module_name}.{name}" if module_name else name
        # One object, one configurable: `st.double` (an alias), `double` and `tasks.steps.double`
        # must share their bindings, so a definition resolved (or registered) already keeps its selector.
        sites = self._known_sites()
        if signature.site is not None and signature.site in sites:
            shared = sites[signature.site]
            if shared not in self.signatures:  # registered with gin before this run: the live object
                self.signatures[shared] = signature_of_object(gin_internals.registered_object(shared))
                self.paths[shared] = None
            elif self.paths[shared] is not None and self._rank(complete, module_name) < self._rank(
                    shared, shared.rpartition(".")[0]):
                return self._rename(shared, complete, path, selector, where)
            if path != self.paths.get(shared):  # imported when tasks run, as the config names it
                self.also_import.append((path, shared, selector, where))
            return shared
        if not signature.callable:
            raise ConfigError(f"`{module_name}.{name}` is a {signature.type_name}, not a function or class;"
                              " gin can only configure callables.", where)
        if signature.site is not None:
            sites[signature.site] = complete
        self.signatures[complete], self.paths[complete] = signature, path
        return complete

    def _rank(self, complete: str, module_name: str | None) -> int:
        """How well a name for a definition reached under several names suits the saved configs:
        an alias of an import list or config (GinPipe registered those), then a dotted path that
        imports from any folder (`myproj.tasks.utils`), then one that imports only from the working
        folder (`tasks.utils`, which a hub loader elsewhere cannot rebuild)."""
        if module_name in self.aliases:
            return 0
        path = self.paths.get(complete) or complete
        return 1 if importable_anywhere(path.partition(".")[0], self.root) else 2

    def _rename(self, old: str, new: str, path: str, selector: str, where: Where) -> str:
        """Record the definition under `new` from now on; every name resolved to `old` follows."""
        self.signatures[new], self.paths[new] = self.signatures.pop(old), path
        self.also_import.append((self.paths.pop(old), new, old, where))
        self.also_import = [(p, new if shared == old else shared, s, w) for p, shared, s, w in self.also_import]
        self._sites = {site: new if name == old else name for site, name in self._known_sites().items()}
        self.renamed[old] = new
        return new

    def final_name(self, complete: str) -> str:
        """The name a complete selector resolved earlier ended up under (see `_rename`)."""
        while complete in self.renamed:
            complete = self.renamed[complete]
        return complete

    def _known_sites(self) -> dict:
        """Sites of what gin has registered already (and is current), then of what this run resolved."""
        if self._sites is None:
            self._sites = {}
            for registered, obj in gin_internals.registered_objects().items():
                site = definition_site(obj)
                if site is not None and _is_current(obj):
                    self._sites.setdefault(site, registered)
        return self._sites

    def _locate(self, selector: str, where: Where) -> tuple[str, str | None] | None:
        """Find the dotted import path for `selector`, and the gin module name to register it under.

        An alias prefix that leads nowhere does not end the search (gin matches any dotted suffix of
        a registered name): with `myproj.models: models` and `myproj.tasks.models: tasks.models`,
        `models.test_model` is `tasks.models.test_model` when `myproj.models` has no `test_model`.
        """
        parts = selector.split(".")
        dead_end = None  # the longest alias's reading, whose lookup says what is missing if all fail
        for n in range(len(parts), 0, -1):  # longest alias prefix wins: `pl.callbacks` before `pl`
            alias = ".".join(parts[:n])
            if alias in self.aliases:
                target, rest = self.aliases[alias], parts[n:]
                single = None if self.lookup.is_module(target) else self.lookup.object(
                    target, None, target, must_exist=False)
                if single is not None and rest == [single.name or None]:
                    # GinPipe registers a one-object line (`pkg.mod.load: load`) as `<alias>.<__name__>`
                    return target, alias
                path = ".".join([target, *rest])
                module = ".".join(parts[:-1]) or None
                if not rest or self.lookup.object(path, where, selector, must_exist=False) is not None:
                    return path, module
                dead_end = dead_end or (path, module)
        if len(parts) > 1 and self.lookup.object(selector, where, selector, must_exist=False) is not None:
            return selector, ".".join(parts[:-1])
        candidates = self._matches(selector)
        if len(candidates) == 1:  # GinPipe registered an import list's members under the alias
            return candidates[0], self._homes.get(candidates[0], candidates[0].rsplit(".", 1)[0])
        if len(candidates) > 1:
            listed = ", ".join(f"`{self._gin_name(c)}`" for c in candidates)
            raise ConfigError(f"`{selector}` is ambiguous: it could be {listed}.", where,
                              f"Write the longer name, e.g. `@{self._gin_name(candidates[0])}`.")
        return dead_end

    def _matches(self, selector: str) -> list[str]:
        """Dotted paths whose name, as gin would register it, is `selector` or ends with `.selector`;
        a complete name that is exactly `selector` wins over longer ones, as in gin."""
        found = self.index().get(selector.rsplit(".", 1)[-1], [])
        exact = [p for p in found if selector in (p, self._gin_name(p))]
        if len(exact) == 1:
            return exact
        return sorted(p for p in found if any(("." + name).endswith("." + selector)
                                              for name in (p, self._gin_name(p))))

    def _gin_name(self, path: str) -> str:
        """The name GinPipe registered a definition under: `<alias>.<name>` for an import list's."""
        home = self._homes.get(path)
        return f"{home}.{path.rsplit('.', 1)[-1]}" if home else path

    def _unknown(self, selector: str, where: Where) -> ConfigError:
        last = selector.split(".")[-1]
        hint = did_you_mean(last, self.index()) or did_you_mean(selector, _gin_names())
        searched = ", ".join(f"`{p}`" for p in self.packages)
        searched = (f"nor a name defined in {searched}" if searched else
                    "and there is no `tasks/` folder (with .py files) in the working folder")
        return ConfigError(
            f"No configurable matching `{selector}`: it is neither an importable dotted path"
            f" {searched}.{hint}", where,
            "Put your task functions in tasks/*.py of the working folder, use a full dotted path"
            " (`@torch.optim.AdamW`), declare an alias"
            " (`import lightning.pytorch as pl`), or add an import list (`--module_list`).")

    def index(self) -> dict[str, list[str]]:
        """Short name -> dotted paths, from aliases' modules and the project's packages.

        One definition reachable under two names (an installed `myproj.tasks` that is also the
        working folder's `tasks/`) is one candidate, the first found: import lists come first.
        """
        if self._index is None:
            found: dict[str, dict[tuple, str]] = {}  # name -> definition site -> first dotted path
            for alias, target in self.aliases.items():
                for name, path, site in self.lookup.members(target):
                    first = found.setdefault(name, {}).setdefault(site or path, path)
                    if first == path and alias in self.listed:
                        self._homes.setdefault(path, alias)
            for package in self.packages:
                for name, path, site in _index_package(package, self.root):
                    found.setdefault(name, {}).setdefault(site, path)
            self._index = {name: sorted(set(sites.values())) for name, sites in found.items()}
        return self._index


_registered: dict[str, object] = {}  # selector -> object `register_objects` registered, until the run ends


def register_objects(registry: Registry) -> dict[str, object]:
    """Import what the config names and register it with gin under its complete selector.

    Called only when a task is about to run: checking a config and planning a run import nothing.
    Returns complete selector -> the plain function or class.
    """
    objects = {}
    for complete, path in registry.paths.items():
        if path is None:
            objects[complete] = gin_internals.registered_object(complete)
            continue
        obj = import_object(path, None, complete)
        current = gin_internals.registered_object(complete)
        if current is not obj:
            if current is not None:
                gin_internals.forget(complete)  # stale (its module was reloaded), or a stand-in
            module, _, name = complete.rpartition(".")
            _register(obj, module or None, name, None)
            _registered[complete] = obj
        objects[complete] = obj
    for path, shared, selector, where in registry.also_import:  # the same object, or a copy made twice
        obj = import_object(path, where, selector)
        if obj is not objects.get(shared, obj):
            raise copies_error(shared, selector, definition_site(obj), where)
    return objects


def forget_registered() -> None:
    """Unregister what `register_objects` registered: the next run in this process starts from
    gin's registry as a fresh process does (the user's own registrations stay)."""
    for selector, obj in list(_registered.items()):
        if gin_internals.registered_object(selector) is obj:
            gin_internals.forget(selector)
        del _registered[selector]


def _is_current(obj) -> bool:
    """`obj` is what its module, as imported now, defines (not a leftover of a reloaded module)."""
    module = sys.modules.get(getattr(obj, "__module__", None) or "")
    found = module
    for attr in (getattr(obj, "__qualname__", "") or "").split("."):
        found = getattr(found, attr, None)
    return module is not None and found is obj


def _register(obj, module: str | None, name: str, where: Where | None) -> str:
    try:
        gin.external_configurable(obj, name=name, module=module)
    except Exception as e:  # gin cannot wrap some objects (pybind enums, builtins)
        raise ConfigError(f"gin cannot configure `{module}.{name}`: {e}", where) from None
    return f"{module}.{name}" if module else name


def _index_package(package: str, root: Path):
    """Yield (name, dotted path, site) for public top-level defs and classes of a package, without importing."""
    folder = root / package.replace(".", "/")
    if not folder.is_dir():
        spec = importlib.util.find_spec(package.split(".")[0])
        if spec is None or not spec.submodule_search_locations:
            return
        folder = Path(list(spec.submodule_search_locations)[0]).joinpath(*package.split(".")[1:])
    # The working folder's `tasks/` may be an installed `myproj.tasks`: named so, it imports anywhere
    named = installed_name(folder, root) or package
    for file in sorted(folder.rglob("*.py")):
        relative = file.relative_to(folder).with_suffix("")
        module = ".".join([named, *relative.parts])
        module = module.removesuffix(".__init__")
        try:
            tree = ast.parse(file.read_text(), filename=str(file))
        except SyntaxError:
            continue  # reported properly if and when the module is imported
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                if not node.name.startswith("_"):
                    yield node.name, f"{module}.{node.name}", (os.path.realpath(file), node.name)


def _gin_names() -> list[str]:
    return [s for s in gin_internals.registered_objects() if not s.startswith("gin.")]
