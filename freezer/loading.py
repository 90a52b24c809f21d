"""Finding the user's Site from ``--app``: a path to a .py file, ``module`` or ``module:attr``."""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import traceback
from pathlib import Path
from types import ModuleType

from .errors import AppLoadError
from .site import Site


def _describe_import_error(error: BaseException, target: str) -> str:
    if isinstance(error, SyntaxError):
        return (
            f"could not import {target}: SyntaxError: {error.msg} "
            f"({error.filename}, line {error.lineno})"
        )
    frames = traceback.extract_tb(error.__traceback__)
    # The deepest frame outside importlib is where the user's code failed.
    own = [f for f in frames if "importlib" not in f.filename]
    where = f" ({own[-1].filename}, line {own[-1].lineno})" if own else ""
    return f"could not import {target}: {type(error).__name__}: {error}{where}"


def _import_file(path: Path) -> ModuleType:
    path = path.resolve()
    if not path.is_file():
        raise AppLoadError(
            f"no such file: {path}; pass --app path/to/app.py, --app module:site, or run "
            "freezer in the folder that holds app.py"
        )
    folder = str(path.parent)
    if folder not in sys.path:
        # Like `python app.py`: the app's folder is importable, so its own modules are found.
        sys.path.insert(0, folder)
    name = path.stem
    existing = sys.modules.get(name)
    if existing is not None and os.path.abspath(getattr(existing, "__file__", "") or "") != str(
        path
    ):
        del sys.modules[name]  # another app of the same name was loaded in this process
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise AppLoadError(f"{path} is not a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException as error:
        sys.modules.pop(name, None)
        if isinstance(error, KeyboardInterrupt | SystemExit):
            raise
        raise AppLoadError(_describe_import_error(error, str(path))) from error
    return module


def _import_module(name: str) -> ModuleType:
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name == name or name.startswith(f"{error.name}."):
            raise AppLoadError(
                f"no module named {name!r}; pass --app path/to/app.py or --app module:site "
                "(from the folder that holds the module)"
            ) from error
        raise AppLoadError(_describe_import_error(error, name)) from error
    except Exception as error:
        raise AppLoadError(_describe_import_error(error, name)) from error


def _find_site(module: ModuleType, attr: str | None, target: str) -> Site:
    if attr is not None:
        try:
            found = getattr(module, attr)
        except AttributeError:
            raise AppLoadError(f"{target} has no attribute {attr!r}") from None
        if not isinstance(found, Site) and callable(found):
            found = found()  # an application factory
        if not isinstance(found, Site):
            raise AppLoadError(f"{target}:{attr} is a {type(found).__name__}, not a freezer Site")
        return found
    for name in ("site", "app"):
        candidate = getattr(module, name, None)
        if isinstance(candidate, Site):
            return candidate
    sites = {name: value for name, value in vars(module).items() if isinstance(value, Site)}
    if len(sites) == 1:
        return next(iter(sites.values()))
    if not sites:
        raise AppLoadError(
            f"{target} defines no Site; add `site = Site(__name__)` to it, or point --app "
            "at the module that does"
        )
    names = ", ".join(sorted(sites))
    raise AppLoadError(
        f"{target} defines several Sites ({names}); choose one with --app {target}:NAME"
    )


def load_site(spec: str | None, cwd: Path | None = None) -> Site:
    """Import and return the Site named by ``spec`` (``app.py`` in ``cwd`` when None)."""
    return load_app(spec, cwd)[0]


def load_app(spec: str | None, cwd: Path | None = None) -> tuple[Site, ModuleType]:
    """Import the module named by ``spec``; return its Site and the module itself."""
    cwd = cwd or Path.cwd()
    if spec is None:
        default = cwd / "app.py"
        if not default.is_file():
            raise AppLoadError(
                f"no app.py in {cwd}; run freezer in your site's folder, pass "
                "--app path/to/app.py, or set app = '...' in [tool.freezer]"
            )
        module = _import_file(default)
        return _find_site(module, None, str(default)), module
    target, attr = spec, None
    # "C:\\x.py" has a colon too; only a colon after the last path separator names an attribute.
    head, sep, tail = spec.rpartition(":")
    if sep and tail.isidentifier() and "/" not in tail and "\\" not in tail:
        target, attr = head, tail
    if target.endswith(".py") or os.sep in target or "/" in target:
        path = Path(target)
        module = _import_file(path if path.is_absolute() else cwd / path)
    else:
        module = _import_module(target)
    return _find_site(module, attr, target), module
