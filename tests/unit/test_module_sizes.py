"""No module of the package is a room too big to live in (issue 16): 600 lines at most."""

from __future__ import annotations

from pathlib import Path

LIMIT = 600
PACKAGE = Path(__file__).resolve().parents[2] / "territory_planner"


def line_counts(package: Path) -> dict[str, int]:
    """Lines of every Python module under `package`, by path (from the package's parent)."""
    return {
        path.relative_to(package.parent).as_posix(): len(
            path.read_text(encoding="utf-8").splitlines()
        )
        for path in sorted(package.rglob("*.py"))
    }


def oversized(counts: dict[str, int], limit: int = LIMIT) -> list[str]:
    """The modules over `limit` lines, largest first, as 'path: N lines'."""
    big = sorted(((n, name) for name, n in counts.items() if n > limit), reverse=True)
    return [f"{name}: {n:,} lines" for n, name in big]


def test_no_module_is_over_600_lines() -> None:
    counts = line_counts(PACKAGE)
    assert len(counts) > 100  # the whole package was read
    assert "territory_planner/ui/main_window.py" in counts
    too_big = oversized(counts)
    assert not too_big, (
        f"modules over {LIMIT} lines (split each into modules named after what they hold): "
        + "; ".join(too_big)
    )


def test_the_check_names_each_oversized_module_with_its_size(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "fits.py").write_text("x = 1\n" * LIMIT, encoding="utf-8")
    (package / "sub" / "big.py").write_text("x = 1\n" * (LIMIT + 1), encoding="utf-8")
    (package / "huge.py").write_text("x = 1\n" * 1882, encoding="utf-8")
    (package / "notes.txt").write_text("x\n" * 5000, encoding="utf-8")  # not a module
    counts = line_counts(package)
    assert counts == {"pkg/fits.py": 600, "pkg/huge.py": 1882, "pkg/sub/big.py": 601}
    assert oversized(counts) == ["pkg/huge.py: 1,882 lines", "pkg/sub/big.py: 601 lines"]
    assert oversized(counts, limit=2000) == []
