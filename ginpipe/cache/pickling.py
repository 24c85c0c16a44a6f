"""Pickling that survives gin: configured functions and classes pickle as the plain originals.

gin wraps what it configures, and its wrappers carry the original's `__module__`/`__qualname__`
without being that object, so plain pickle refuses them ("not the same object as ..."). Here such a
wrapper is pickled as a reference to the original it wraps. This module also serves as a
`pickle_module` for `torch.save`.
"""
from __future__ import annotations

import importlib
import pickle
import types

__all__ = ["Pickler", "dump", "dumps", "load", "loads", "Unpickler"]



class Unpickler(pickle.Unpickler):
    """Reads values that experiments wrote before `ginpipe.state` became `ginpipe.cache` (a `State` in a value)."""

    def find_class(self, module: str, name: str):
        if module == "ginpipe.state" or module.startswith("ginpipe.state."):
            module = "ginpipe.cache" + module[len("ginpipe.state"):]
        return super().find_class(module, name)


def load(file):
    return Unpickler(file).load()


def loads(data: bytes):
    import io
    return Unpickler(io.BytesIO(data)).load()


def _lookup(module: str, qualname: str):
    obj = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


class Pickler(pickle.Pickler):
    """A pickler that replaces gin wrappers by references to the objects they wrap."""

    def reducer_override(self, obj):
        if not isinstance(obj, (types.FunctionType, type)):
            return NotImplemented
        module, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
        if not module or not qualname or "<" in qualname:
            return NotImplemented
        try:
            named = _lookup(module, qualname)
        except Exception:
            return NotImplemented
        if named is obj:
            return NotImplemented
        inner: object = obj
        while inner is not None:  # a function wrapper (functools.wraps) of the named object
            if inner is named:
                return _lookup, (module, qualname)
            inner = getattr(inner, "__wrapped__", None)
        if isinstance(obj, type) and named in obj.__mro__[1:]:  # gin's dynamic subclass of a class
            return _lookup, (module, qualname)
        return NotImplemented


def dump(obj, file, protocol=pickle.HIGHEST_PROTOCOL):
    Pickler(file, protocol=protocol).dump(obj)


def dumps(obj, protocol=pickle.HIGHEST_PROTOCOL) -> bytes:
    import io
    buffer = io.BytesIO()
    dump(obj, buffer, protocol)
    return buffer.getvalue()
