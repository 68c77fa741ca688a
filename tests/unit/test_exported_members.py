"""Every name a module promises in ``__all__`` can be imported from it.

``from shieldwall import Match`` once raised ImportError because four names of the
package's ``__all__`` sat inside a ``# noqa`` comment instead of the import. This walks
every module of the package (as httpx's ``tests/test_exported_members.py`` does for its
one), so a promise that the code does not keep fails here, not in a user's program.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

import pytest

import shieldwall


def _modules() -> list[str]:
    names = [shieldwall.__name__]
    for info in pkgutil.walk_packages(shieldwall.__path__, prefix=f"{shieldwall.__name__}."):
        if ".migrations." in info.name or info.name.endswith(".migrations"):
            continue  # Alembic scripts, run by Alembic, not imported
        names.append(info.name)
    return names


def _with_all() -> list[ModuleType]:
    modules = [importlib.import_module(name) for name in _modules()]
    return [m for m in modules if hasattr(m, "__all__")]


def test_the_package_and_its_subpackages_declare_their_public_names() -> None:
    declared = {m.__name__ for m in _with_all()}
    for package in ("shieldwall", "shieldwall.hashing", "shieldwall.index", "shieldwall.store"):
        assert package in declared


@pytest.mark.parametrize("module", _with_all(), ids=lambda m: m.__name__)
def test_every_name_in_all_is_importable(module: ModuleType) -> None:
    exported = list(module.__all__)
    assert all(isinstance(name, str) for name in exported)
    assert len(exported) == len(set(exported)), f"{module.__name__}.__all__ repeats a name"
    missing = [name for name in exported if not hasattr(module, name)]
    assert missing == [], f"{module.__name__}.__all__ names what it does not define: {missing}"
    namespace: dict[str, object] = {}
    exec(f"from {module.__name__} import *", namespace)  # what `import *` users get
    assert set(exported) <= set(namespace)


def test_the_documented_one_liner_works() -> None:
    from shieldwall import BankPurpose, EntryStatus, HashKind, ImageHashes, Match

    assert Match.__module__ == "shieldwall.types"
    assert {BankPurpose, EntryStatus, ImageHashes, HashKind} <= {
        getattr(shieldwall, name) for name in shieldwall.__all__ if name != "__version__"
    }
