"""Public functions of the core say what they take and return (issue 16), numpy style.

Read with `ast`, nothing imported: every public function or method (no leading underscore,
at module level or in a public class) that takes parameters besides ``self``/``cls`` has a
docstring with a ``Parameters`` section (a ``----------`` underline) naming each parameter,
and, when its return annotation is not ``None``, a ``Returns`` section (``Yields`` for a
generator). A class's ``__init__`` is documented in the class docstring or its own.
A method that overrides a base-class method inherits the sections it does not write
itself from the base's docstring (as Sphinx autodoc and numpydoc inherit docstrings), so
each ``apply``/``revert`` of an edit need not repeat the ``Edit`` contract's.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "territory_planner"

#: Folders of the package that are not the core: the window, the command line, assets.
NOT_CORE = ("ui", "cli", "resources")

#: Core modules not checked yet (issue 16 is not done for them), with why.
PENDING: dict[str, str] = {}

#: Kinds of function exempt, with why. Nothing else is.
EXEMPT_KINDS = {
    "property": "a property reads like an attribute; the class docstring or the getter's "
    "one line says what it holds, and it takes no parameters",
    "dunder": "special methods (other than __init__) follow the protocol they implement",
    "overload": "an @overload stub only types the call; the implementation is documented",
}

#: Single functions exempt, by "module.py:Class.name", with why.
EXEMPT: dict[str, str] = {}

SECTION = re.compile(r"^\s*([A-Z][A-Za-z ]+)\n\s*-{3,}\s*$", re.MULTILINE)


def sections(doc: str) -> dict[str, str]:
    """The numpy-style sections of a docstring, by title, each with its body.

    Parameters
    ----------
    doc
        The docstring, as `ast.get_docstring` gives it (dedented).

    Returns
    -------
    dict[str, str]
        Title (e.g. "Parameters") to the text between its underline and the next title.
    """
    heads = list(SECTION.finditer(doc))
    return {
        head.group(1).strip(): doc[
            head.end() : heads[i + 1].start() if i + 1 < len(heads) else None
        ]
        for i, head in enumerate(heads)
    }


def documented_names(body: str) -> set[str]:
    """The parameter names a Parameters section lists (its least indented lines).

    Parameters
    ----------
    body
        The section's text below its underline.

    Returns
    -------
    set[str]
        Each name, without ``*``/``**`` or a ``: type`` after it; ``a, b`` names both.
    """
    lines = [line for line in body.splitlines() if line.strip()]
    if not lines:
        return set()
    indent = min(len(line) - len(line.lstrip()) for line in lines)
    names: set[str] = set()
    for line in lines:
        if len(line) - len(line.lstrip()) == indent:
            head = line.strip().split(" : ")[0]
            names.update(part.strip().lstrip("*") for part in head.split(","))
    return names


def is_exempt_kind(node: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
    """The kind in `EXEMPT_KINDS` the function is, if any.

    Parameters
    ----------
    node
        The function's definition.

    Returns
    -------
    str | None
        "property", "dunder" or "overload"; None when the function is checked.
    """
    for deco in node.decorator_list:
        name = ast.unparse(deco)
        if name in ("property", "functools.cached_property", "cached_property") or name.endswith(
            (".setter", ".deleter")
        ):
            return "property"
        if name in ("overload", "typing.overload"):
            return "overload"
    if node.name.startswith("__") and node.name.endswith("__") and node.name != "__init__":
        return "dunder"
    return None


class Bases:
    """The base classes of a module's classes, found by reading the package's source.

    A base named in the module, or imported into it with ``from ... import`` (also through a
    package's re-export, also relatively), is followed within the package; a base from
    elsewhere (``Protocol``, ``Exception``) or written ``module.Class`` is not.

    Parameters
    ----------
    root
        The package's folder; its modules are named from its folder name.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.modules: dict[str, tuple[ast.Module, bool] | None] = {}

    def add(self, module: str, tree: ast.Module, *, is_package: bool) -> None:
        """Know a module already read (the one being checked).

        Parameters
        ----------
        module
            Its dotted name.
        tree
            Its source, parsed.
        is_package
            Whether it is a package's ``__init__`` (relative imports start from it).
        """
        self.modules[module] = (tree, is_package)

    def read(self, module: str) -> tuple[ast.Module, bool] | None:
        """A module of the package, parsed, and whether it is a package (read once).

        Parameters
        ----------
        module
            Its dotted name.

        Returns
        -------
        tuple[ast.Module, bool] | None
            None for a module outside the package or not found.
        """
        if module not in self.modules:
            head, *rest = module.split(".")
            stem = self.root.joinpath(*rest)
            files = (
                [stem.with_suffix(".py"), stem / "__init__.py"] if head == self.root.name else []
            )
            file = next((f for f in files if f.is_file()), None)
            self.modules[module] = (
                (ast.parse(file.read_text(encoding="utf-8")), file.name == "__init__.py")
                if file
                else None
            )
        return self.modules[module]

    def find(self, module: str, name: str, depth: int = 0) -> tuple[str, ast.ClassDef] | None:
        """The class a name stands for in a module, following imports.

        Parameters
        ----------
        module
            The dotted name of the module the name is used in.
        name
            The name.
        depth
            How many imports were followed to get here (it stops at 10).

        Returns
        -------
        tuple[str, ast.ClassDef] | None
            The module defining the class, and the class; None when not in the package.
        """
        read = self.read(module)
        if read is None or depth > 10:  # (no re-export chain is that long)
            return None
        tree, is_package = read
        for node in tree.body:
            if isinstance(node, ast.ClassDef) and node.name == name:
                return module, node
            if isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    if (alias.asname or alias.name) == name:
                        return self.find(
                            source(module, node, is_package=is_package), alias.name, depth + 1
                        )
        return None

    def inherited(self, module: str, owner: ast.ClassDef, method: str) -> dict[str, str]:
        """The docstring sections a method inherits from the classes its class derives from.

        Parameters
        ----------
        module
            The dotted name of the module defining `owner`.
        owner
            The class.
        method
            The method's name.

        Returns
        -------
        dict[str, str]
            Section title to body, as `sections` gives them; a nearer class's section wins,
            and of two bases the first; empty when no base defines a documented `method`.
        """
        found: dict[str, str] = {}
        for base in reversed(owner.bases):
            if not isinstance(base, ast.Name):
                continue
            hit = self.find(module, base.id)
            if hit is None or hit[1] is owner:
                continue
            where, cls = hit
            own = next(
                (
                    ast.get_docstring(item) or ""
                    for item in cls.body
                    if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
                    and item.name == method
                ),
                "",
            )
            found |= self.inherited(where, cls, method) | sections(own)
        return found


def source(module: str, node: ast.ImportFrom, *, is_package: bool) -> str:
    """The dotted name of the module a ``from ... import`` reads from.

    Parameters
    ----------
    module
        The dotted name of the module holding the import.
    node
        The import.
    is_package
        Whether that module is a package's ``__init__``.

    Returns
    -------
    str
        ``node.module`` for an absolute import; for a relative one, resolved from `module`.
    """
    if not node.level:
        return node.module or ""
    package = module if is_package else module.rpartition(".")[0]
    for _ in range(node.level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{node.module}" if node.module else package


def module_name(root: Path, where: str) -> str:
    """The dotted name of a module of a package.

    Parameters
    ----------
    root
        The package's folder.
    where
        The module's path from it, e.g. ``edits/base.py``.

    Returns
    -------
    str
        E.g. ``territory_planner.edits.base``; a package's ``__init__`` gives the package.
    """
    parts = [root.name, *Path(where).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def problems(path: Path, where: str, root: Path = PACKAGE) -> list[str]:
    """What the public functions of one module lack, one line each.

    Parameters
    ----------
    path
        The module's file.
    where
        How a problem names the module (its path from the package).
    root
        The package's folder, where base classes are looked up.

    Returns
    -------
    list[str]
        "where:line Class.function: what is missing", in the module's order.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    module = module_name(root, where)
    bases = Bases(root)
    bases.add(module, tree, is_package=path.name == "__init__.py")
    found: list[str] = []

    def check(node: ast.FunctionDef | ast.AsyncFunctionDef, owner: ast.ClassDef | None) -> None:
        qualname = f"{owner.name}.{node.name}" if owner else node.name
        if f"{where}:{qualname}" in EXEMPT or is_exempt_kind(node):
            return
        args = node.args
        params = [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]
        params += [a.arg for a in (args.vararg, args.kwarg) if a is not None]
        if owner is not None and params and params[0] in ("self", "cls"):
            is_static = any(ast.unparse(d) == "staticmethod" for d in node.decorator_list)
            params = params if is_static else params[1:]
        if not params:
            return
        doc = ast.get_docstring(node) or ""
        if node.name == "__init__" and owner is not None:
            doc = (ast.get_docstring(owner) or "") + "\n" + doc
        parts = sections(doc)
        if owner is not None and node.name != "__init__":
            parts = bases.inherited(module, owner, node.name) | parts
        label = f"{where}:{node.lineno} {qualname}"
        if "Parameters" not in parts:
            found.append(f"{label}: no Parameters section")
        else:
            listed = documented_names(parts["Parameters"])
            missing = [p for p in params if p not in listed]
            if missing:
                found.append(f"{label}: Parameters lacks {', '.join(missing)}")
            extra = sorted(listed - set(params))
            if extra:
                found.append(f"{label}: Parameters names no parameter {', '.join(extra)}")
        returns = node.returns
        gives = returns is not None and ast.unparse(returns) not in ("None", "NoReturn")
        if gives and node.name != "__init__" and not {"Returns", "Yields"} & parts.keys():
            found.append(f"{label}: no Returns section")

    for top in tree.body:
        if isinstance(top, (ast.FunctionDef, ast.AsyncFunctionDef)) and not top.name.startswith(
            "_"
        ):
            check(top, None)
        elif isinstance(top, ast.ClassDef) and not top.name.startswith("_"):
            for item in top.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and (
                    not item.name.startswith("_") or item.name.startswith("__")
                ):
                    check(item, top)
    return found


def checked_modules() -> list[Path]:
    """The modules of the core, sorted, without the `PENDING` ones.

    Returns
    -------
    list[Path]
        Every ``.py`` file of the package outside `NOT_CORE` and not in `PENDING`.
    """
    return [
        path
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.relative_to(PACKAGE).parts[0] not in NOT_CORE
        and path.relative_to(PACKAGE).as_posix() not in PENDING
    ]


def test_every_public_function_of_the_core_documents_its_parameters() -> None:
    modules = checked_modules()
    names = {path.relative_to(PACKAGE).as_posix() for path in modules}
    assert {"model.py", "geo/assign.py", "io/project_file.py", "routing/tour.py"} <= names
    assert not names & {"ui/main_window.py", "cli/parser.py", "resources/__init__.py"}
    assert all((PACKAGE / name).is_file() for name in PENDING)  # no stale entry
    found = [
        problem
        for path in modules
        for problem in problems(path, path.relative_to(PACKAGE).as_posix())
    ]
    assert not found, f"{len(found)} docstrings to complete:\n" + "\n".join(found)


def test_the_check_names_what_is_missing(tmp_path: Path) -> None:
    source = '''
def good(a: int, *rest: int, key: str = "") -> int:
    """Add.

    Parameters
    ----------
    a : int
        First.
    *rest
        More.
    key
        A key.

    Returns
    -------
    int
        The sum.
    """
    return a

def pair(lon: float, lat: float) -> None:
    """A point.

    Parameters
    ----------
    lon, lat
        Where.
    """

def bare(x: int) -> int:
    """One line."""
    return x

def half(x: int, y: int) -> None:
    """Half.

    Parameters
    ----------
    x
        X.
    z
        Stale.
    """

def _private(x: int) -> int:
    return x

def no_params() -> int:
    return 1

class Thing:
    """A thing.

    Parameters
    ----------
    size
        How big.
    """

    def __init__(self, size: int) -> None:
        self.size = size

    @property
    def area(self) -> int:
        return self.size

    def __eq__(self, other: object) -> bool:
        return False

    def grow(self, by: int) -> int:
        return self.size + by

class Bare:
    def __init__(self, n: int) -> None:
        self.n = n
'''
    module = tmp_path / "mod.py"
    module.write_text(source, encoding="utf-8")
    found = [line.split(" ", 1)[1] for line in problems(module, "mod.py")]
    assert found == [
        "bare: no Parameters section",
        "bare: no Returns section",
        "half: Parameters lacks y",
        "half: Parameters names no parameter z",
        "Thing.grow: no Parameters section",
        "Thing.grow: no Returns section",
        "Bare.__init__: no Parameters section",
    ]


def test_an_override_inherits_the_base_methods_sections(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("from .base import Base\n", encoding="utf-8")
    (package / "base.py").write_text(
        '''
from typing import Protocol

class Base(Protocol):
    """A contract."""

    def run(self, x: int) -> int:
        """Run.

        Parameters
        ----------
        x
            The input.

        Returns
        -------
        int
            The output.
        """

    def stop(self, y: int) -> None:
        """Stop (undocumented)."""
''',
        encoding="utf-8",
    )
    source = '''
from pkg import Base

class Local(Base):
    """Derives from a base imported through the package's re-export."""

    def run(self, x: int) -> int:
        """Run here."""
        return x

class Child(Local):
    """Two steps from the documented method."""

    def run(self, x: int) -> int:
        return x

    def stop(self, y: int) -> None:
        pass

    def extra(self, z: int) -> int:
        return z

class Renamed(Base):
    """The inherited section names the base's parameter, not this one's."""

    def run(self, count: int) -> int:
        return count
'''
    module = package / "sub.py"
    module.write_text(source, encoding="utf-8")
    found = [line.split(" ", 1)[1] for line in problems(module, "sub.py", root=package)]
    assert found == [
        "Child.stop: no Parameters section",
        "Child.extra: no Parameters section",
        "Child.extra: no Returns section",
        "Renamed.run: Parameters lacks count",
        "Renamed.run: Parameters names no parameter x",
    ]
    # without the package to look the base up in, nothing is inherited
    alone = [line.split(" ", 1)[1] for line in problems(module, "sub.py", root=tmp_path / "no")]
    assert "Local.run: no Parameters section" in alone
