"""Faults the app must survive: a crash mid-save or mid-autosave, a read-only folder, a full
disk, a damaged project file. Each ends with a clear message and nothing already saved lost.

(The basics live beside the code they test: `test_save_crash.py` kills a save of a small
project, `test_project_file.py` damages files in known ways and fills the disk under a save,
`test_export.py` fills it under the exports. These tests take the same faults further: large
files, the autosave, every writer of the app, real permissions even as root, random damage.)
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from territory_planner._errors import InputError, ProjectFileError
from territory_planner.io import calendar_export, project_file
from territory_planner.io.project_file import integrity_problems, load_project, save_project
from territory_planner.io.records_import import ImportReport, write_report_csv
from territory_planner.io.recovery import discard, pending, recovery_file, write_recovery
from territory_planner.io.safe_save import TEMP_NAME
from territory_planner.io.territory_import import read_territories
from territory_planner.model import Project
from tests.conftest import run_cli
from tests.unit.fault_worker import PLAN
from tests.unit.save_worker import variants

ROOT = Path(__file__).resolve().parents[2]
SAVE_WORKER = Path(__file__).with_name("save_worker.py")
LARGE = 15_000  # accounts: a save takes long enough to be killed in the middle of it


def large(project: Project, accounts: int = LARGE) -> Project:
    """The demo grown to `accounts` accounts (copies nudged apart, new IDs)."""
    copies = -(-accounts // len(project.accounts))
    frame = pd.concat([project.accounts] * copies, ignore_index=True).iloc[:accounts].copy()
    rng = np.random.default_rng(5)
    frame["lon"] += rng.normal(0, 0.01, len(frame))
    frame["lat"] += rng.normal(0, 0.01, len(frame))
    frame["account_id"] = [f"L{i:06d}" for i in range(len(frame))]
    return Project(frame, project.reps.copy(), project.territories.copy(), name="large")


@pytest.fixture(scope="module")
def large_file(tmp_path_factory: pytest.TempPathFactory, demo_project: Project) -> Path:
    path = tmp_path_factory.mktemp("large") / "large.gpkg"
    save_project(large(demo_project), path)
    return path


def same_project(got: Project, expected: Project) -> None:
    assert got.name == expected.name
    assert got.settings == expected.settings
    pd.testing.assert_frame_equal(got.accounts, expected.accounts)
    pd.testing.assert_frame_equal(got.reps, expected.reps)
    pd.testing.assert_frame_equal(
        got.territories.drop(columns="geometry"), expected.territories.drop(columns="geometry")
    )


def start(*args: str, log: Path) -> subprocess.Popen[str]:
    with log.open("w") as err:
        return subprocess.Popen(
            [sys.executable, *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=err, text=True
        )


def line(worker: subprocess.Popen[str], log: Path) -> str:
    assert worker.stdout is not None
    text = worker.stdout.readline()
    assert text, f"the worker stopped: {log.read_text()}"
    return text


def kill_mid_save(worker: subprocess.Popen[str], log: Path, rng: random.Random) -> None:
    """Let the worker finish a save or two, then kill it (SIGKILL) part-way into the next."""
    try:
        assert line(worker, log) == "ready\n"
        seconds = 0.5
        for _ in range(rng.randint(1, 2)):
            seconds = float(line(worker, log).split()[2])
        time.sleep(rng.uniform(0.2, 0.7) * seconds)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()


# ---------------------------------------------------------------- killed mid-save


def test_killed_while_saving_a_large_project_keeps_the_last_save(
    tmp_path: Path, large_file: Path
) -> None:
    folder = tmp_path / "work"
    folder.mkdir()
    target = folder / "plan.gpkg"
    expected = {p.name: p for p in variants(load_project(large_file))}
    rng = random.Random(8)
    interrupted = 0
    for _ in range(2):
        log = tmp_path / "worker.log"
        worker = start(str(SAVE_WORKER), "loop", str(large_file), str(target), log=log)
        kill_mid_save(worker, log, rng)
        leftovers = [p.name for p in folder.iterdir() if p.name != "plan.gpkg"]
        assert all(TEMP_NAME.match(name) for name in leftovers), leftovers
        interrupted += bool(leftovers)
        assert integrity_problems(target) == []
        project = load_project(target)
        same_project(project, expected[project.name])
    assert interrupted, "no kill landed inside a save"
    save_project(load_project(target), target)  # the next save clears what the kills left
    assert [p.name for p in folder.iterdir()] == ["plan.gpkg"]


def test_autosave_killed_by_a_crash_is_offered_back_whole(tmp_path: Path, large_file: Path) -> None:
    """The app crashes (SIGKILL) while autosaving: the last autosave is offered and opens."""
    data = tmp_path / "data"
    data.mkdir()
    original = tmp_path / "projects" / "plan.gpkg"
    expected = {p.name: p for p in variants(load_project(large_file))}
    log = tmp_path / "worker.log"
    worker = start(
        "-m", "tests.unit.fault_worker", "autosave", str(large_file), str(data), str(original),
        log=log,
    )  # fmt: skip
    kill_mid_save(worker, log, random.Random(3))
    crashed = recovery_file(data, worker.pid)
    temporary = [p.name for p in data.iterdir() if TEMP_NAME.match(p.name)]
    assert temporary, "the kill did not land inside an autosave"

    found = pending(data)
    assert [r.file for r in found] == [crashed]  # only the recovery, no temporary file
    assert found[0].original == original
    assert found[0].name in expected
    assert integrity_problems(crashed) == []
    recovered = load_project(crashed)
    same_project(recovered, expected[recovered.name])

    # The next session adopts the work as its own recovery copy and drops the old one.
    mine = recovery_file(data)
    write_recovery(recovered, found[0].original, mine)
    discard(crashed)
    assert pending(data)[0].file == mine  # (this process's own file counts as left over)
    leftovers = sorted(p.name for p in data.iterdir())
    assert leftovers == sorted([mine.name, mine.with_suffix(".json").name]), leftovers
    discard(mine)
    assert list(data.iterdir()) == []


def test_recovery_without_a_readable_note_is_still_offered(
    tmp_path: Path, demo_project: Project
) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    target = recovery_file(tmp_path, int(dead.stdout))
    write_recovery(demo_project, tmp_path / "plan.gpkg", target)
    note = target.with_suffix(".json")
    for damage in ("{not json", None):  # half-written, or never written (killed before it)
        if damage is None:
            note.unlink()
        else:
            note.write_text(damage, encoding="utf-8")
        (found,) = pending(tmp_path)
        assert found.file == target
        assert found.name == target.stem
        assert found.original is None
        assert len(load_project(found.file).accounts) == len(demo_project.accounts)


# ---------------------------------------------------------------- read-only folder


def _without_permission_override() -> None:
    """In the child: give up root's power to write anywhere (CAP_DAC_OVERRIDE, ..._READ_SEARCH).

    Dropped from the bounding set, they are gone from the program it runs next.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def test_read_only_folder_every_writer_explains_and_keeps_the_files(
    tmp_path: Path, demo_file: Path
) -> None:
    """Real permissions: the folder is read-only, and the writer runs without root's override."""
    folder = tmp_path / "shared"
    folder.mkdir()
    old = load_project(demo_file)
    save_project(old, folder / "plan.gpkg")
    (folder / "accounts.csv").write_text("account_id,name\nA1,Old\n", encoding="utf-8")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    folder.chmod(0o555)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "tests.unit.fault_worker", "readonly", str(demo_file),
             str(folder)],
            cwd=ROOT, capture_output=True, text=True, check=False,
            preexec_fn=_without_permission_override if os.geteuid() == 0 else None,
        )  # fmt: skip
    except subprocess.SubprocessError as exc:  # (the capability could not be dropped)
        pytest.skip(f"root cannot give up its permission override here: {exc}")
    finally:
        folder.chmod(0o755)
    assert done.returncode == 0, done.stderr
    outcome: dict[str, dict[str, str] | None] = json.loads(done.stdout)
    assert len(outcome) == 10
    for writer, error in outcome.items():
        assert error is not None, f"{writer} wrote into a read-only folder"
        assert error["planner_error"] == "True", f"{writer} raised a bare {error['type']}"
        message = error["message"]
        assert str(folder) in message, f"{writer}: the message names no folder: {message}"
        assert "permission" in message.lower(), f"{writer}: {message}"
        assert "\n" not in message
        assert "Traceback" not in message
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    same_project(load_project(folder / "plan.gpkg"), old)


# ---------------------------------------------------------------- full disk


def _disk_full(*_args: object, **_kwargs: object) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


def _half_then_full(path: object, *_args: object, **_kwargs: object) -> None:
    """Write part of the file, then find the disk full (what a real writer leaves)."""
    Path(str(path)).write_bytes(b"partial")
    raise OSError(errno.ENOSPC, "No space left on device")


def _report() -> ImportReport:
    report = ImportReport(source="accounts.csv", rows=2, imported=1)
    report.reject(3, "missing account ID", "Account ID")
    return report


#: (file, how to write it, what to patch, what the patched writer does)
DISK_FULL: list[tuple[str, Callable[[Path], object], str, Callable[..., None]]] = [
    (
        "calendar.xlsx",
        lambda path: calendar_export.write_calendar_xlsx([PLAN], path),
        "openpyxl.workbook.workbook.Workbook.save",
        lambda _book, path: _half_then_full(path),
    ),
    (
        "R1 Rep One.ics",
        lambda path: calendar_export.write_calendar_ics([PLAN], path.parent),
        "pathlib.Path.write_bytes",
        _disk_full,
    ),
    (
        "report.csv",
        lambda path: write_report_csv(_report(), path),
        "pandas.DataFrame.to_csv",
        lambda _frame, path, **_k: _half_then_full(path),
    ),
]


@pytest.mark.parametrize("case", DISK_FULL, ids=[d[0] for d in DISK_FULL])
def test_full_disk_under_an_export_keeps_the_old_file(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    case: tuple[str, Callable[[Path], object], str, Callable[..., None]],
) -> None:
    name, write, target, failure = case
    path = tmp_path / name
    path.write_text("old content", encoding="utf-8")
    monkeypatch.setattr(target, failure)
    with pytest.raises(InputError, match=r"disk is full") as info:
        write(path)
    assert str(path) in str(info.value)
    assert "\n" not in str(info.value)
    monkeypatch.undo()
    assert path.read_text(encoding="utf-8") == "old content"
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no temporary file left


def test_full_disk_under_an_autosave_keeps_the_last_one(
    tmp_path: Path, demo_project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = recovery_file(tmp_path)
    write_recovery(demo_project, tmp_path / "plan.gpkg", target)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def full(project: Project, path: Path) -> None:
        path.write_bytes(b"half a project")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(project_file, "_write_all", full)
    with pytest.raises(ProjectFileError, match="disk is full") as info:
        write_recovery(Project.empty(), tmp_path / "plan.gpkg", target)
    assert str(info.value).startswith(f"{target}: saving failed (the disk is full)")
    monkeypatch.undo()
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    assert len(load_project(target).accounts) == len(demo_project.accounts)


# ---------------------------------------------------------------- damaged project files


def _damaged_copies(source: Path, folder: Path, count: int, seed: int) -> list[tuple[str, Path]]:
    """Copies of `source` cut short or overwritten with random bytes at random places."""
    data = source.read_bytes()
    rng = random.Random(seed)
    out = []
    for i in range(count):
        damaged = bytearray(data)
        if i % 2 == 0:
            cut = rng.randrange(1, len(data))
            damaged = damaged[:cut]
            what = f"cut at byte {cut} of {len(data)}"
        else:
            at = rng.randrange(100, len(data) - 4096)  # (the first 100 bytes: the file header)
            size = rng.choice([16, 512, 4096])
            damaged[at : at + size] = rng.randbytes(size)
            what = f"{size} random bytes at {at}"
        path = folder / f"damaged-{i}.gpkg"
        path.write_bytes(bytes(damaged))
        out.append((what, path))
    return out


def test_randomly_damaged_project_files_give_a_clear_error_or_open(
    tmp_path: Path, demo_file: Path, demo_project: Project
) -> None:
    opened = 0
    for what, path in _damaged_copies(demo_file, tmp_path, count=24, seed=42):
        try:
            project = load_project(path)
        except ProjectFileError as exc:
            message = str(exc)
            assert message.startswith(f"{path}: "), (what, message)
            assert "\n" not in message, (what, message)
            assert len(message) < len(str(path)) + 300, (what, message)
            continue
        except Exception as exc:  # noqa: BLE001
            pytest.fail(f"{what}: {type(exc).__name__}: {exc}")
        opened += 1  # random bytes inside a value or in free space: it still opens...
        assert len(project.accounts) == len(demo_project.accounts), what  # ...with every row
        assert len(project.territories) == len(demo_project.territories), what
    assert opened < 24


def test_cli_on_a_damaged_file_prints_one_line_and_exits_1(tmp_path: Path, demo_file: Path) -> None:
    path = tmp_path / "plan.gpkg"
    path.write_bytes(demo_file.read_bytes()[: demo_file.stat().st_size // 3])
    for command in ("check", "assign"):
        done = run_cli(command, str(path))
        assert done.returncode == 1, done.stderr
        assert "Traceback" not in done.stderr
        assert done.stderr.startswith(f"error: {path}: the file is damaged")
        assert done.stderr.count("\n") == 1
        assert path.stat().st_size == demo_file.stat().st_size // 3  # not "repaired" by a save


@pytest.mark.filterwarnings("ignore:.*non conformant file extension:RuntimeWarning")
@pytest.mark.parametrize("suffix", [".gpkg", ".geojson", ".shp"])
def test_damaged_territory_files_are_input_errors(
    tmp_path: Path, demo_file: Path, suffix: str
) -> None:
    rng = random.Random(suffix)
    contents = [
        b"",
        rng.randbytes(2000),
        demo_file.read_bytes()[:5000],
        b'{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": ',
    ]
    for number, content in enumerate(contents):
        path = tmp_path / f"shapes-{number}{suffix}"
        path.write_bytes(content)
        with pytest.raises(InputError) as info:
            read_territories(path)
        assert str(info.value).startswith(f"{path}: "), info.value


def test_a_damaged_recovery_file_is_explained(tmp_path: Path, demo_project: Project) -> None:
    target = recovery_file(tmp_path, 999_999_999)  # no such process
    write_recovery(demo_project, None, target)
    target.write_bytes(target.read_bytes()[:3000])
    (found,) = pending(tmp_path)
    with pytest.raises(ProjectFileError, match="damaged") as info:
        load_project(found.file)
    assert str(info.value).startswith(f"{target}: ")
    discard(found.file)
    assert list(tmp_path.iterdir()) == []
