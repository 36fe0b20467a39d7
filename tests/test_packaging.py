"""The package as users get it: a wheel built from the sdist carries the model (no symlink), loads
it from where it is installed, and a plain install (no extras) runs every command that needs no
tooling while the tooling commands say which extra to install.  A source checkout on the path
loads the model from its models/ folder.

The fresh virtual environments see only the distributions the wheel requires (linked in from this
environment, so nothing is downloaded): what the test and tools extras add is not there."""
import email
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
from click.testing import CliRunner

import recover
from recover.cli import main

REPO = Path(__file__).resolve().parents[1]
SEED = "000_f75c2c88bf6d12f5"


def _require(*modules: str) -> None:
    """Skip where the build backend is missing; in CI (which installs the test extra) fail."""
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        message = f"{', '.join(missing)} not installed (pip install '.[test]')"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def _run(args, cwd: Path, check: bool = True, **env: str) -> subprocess.CompletedProcess:
    """A command with none of this session's Python paths (nor the user's site-packages)."""
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    done = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True,
                          env=dict(clean, PYTHONNOUSERSITE="1", **env))
    if check and done.returncode != 0:
        raise AssertionError(f"{args} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> dict[str, Path]:
    """An sdist of the repository's files and the wheel built from that sdist."""
    _require("build", "setuptools", "packaging")
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(REPO / name, source / name)
    for name in ("recover", "models"):
        shutil.copytree(REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    dist = tmp_path_factory.mktemp("dist")
    # --no-isolation: the backend of this environment, so the build needs no index
    _run([sys.executable, "-m", "build", "--no-isolation", "--outdir", dist, source], cwd=source)
    return {"sdist": next(dist.glob("*.tar.gz")), "wheel": next(dist.glob("*.whl"))}


def _wheel_requirements(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as z:
        name = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
        return email.message_from_bytes(z.read(name)).get_all("Requires-Dist") or []


def _dependency_closure(requirements: list[str]) -> dict[str, metadata.Distribution]:
    """The installed distributions these requirements need, with the extras they name and no
    other (a wheel's own extras are left out)."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    found: dict[str, metadata.Distribution] = {}
    seen: set[tuple[str, str]] = set()
    todo = [(Requirement(r), "") for r in requirements]
    while todo:
        requirement, wanted_by = todo.pop()
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": wanted_by}):
            continue
        dist = metadata.distribution(requirement.name)
        name = canonicalize_name(dist.metadata["Name"])
        found[name] = dist
        for extra in ("", *sorted(requirement.extras)):
            if (name, extra) not in seen:
                seen.add((name, extra))
                todo += [(Requirement(line), extra) for line in dist.requires or []]
    return found


@pytest.fixture(scope="session")
def product_site(built, tmp_path_factory) -> Path:
    """A folder holding (as links) every file of the distributions the wheel requires, and only those."""
    site = tmp_path_factory.mktemp("product-site")
    closure = _dependency_closure(_wheel_requirements(built["wheel"]))
    assert "reportlab" not in closure and "pytest" not in closure and "scikit-learn" in closure
    for dist in closure.values():
        for file in dist.files or []:
            source = Path(dist.locate_file(file))
            if file.parts[0] == ".." or not source.is_file():
                continue  # scripts outside site-packages, files the RECORD lists but are gone
            target = site / file
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists():
                target.symlink_to(source)
    return site


def _venv(path: Path, site: Path) -> Path:
    """A virtual environment (no pip, no system site-packages) that sees ``site``; its python."""
    _run([sys.executable, "-m", "venv", "--without-pip", path], cwd=path.parent)
    python = path / "bin" / "python"
    purelib = _run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], cwd=path).stdout.strip()
    (Path(purelib) / "product-dependencies.pth").write_text(f"{site}\n", encoding="utf-8")
    return python


@pytest.fixture(scope="session")
def installed(built, product_site, tmp_path_factory) -> Path:
    """A fresh venv with the wheel installed by pip, no extras: its python."""
    python = _venv(tmp_path_factory.mktemp("installed") / "venv", product_site)
    # --no-index with dependencies resolved: pip must find every requirement already present
    _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-index", "--no-cache-dir",
          built["wheel"]], cwd=python.parent)
    return python


@pytest.fixture
def elsewhere(tmp_path, seeds_dir) -> Path:
    """A working folder outside the repository holding one seed report and its truth."""
    (tmp_path / "docs" / "truth").mkdir(parents=True)
    shutil.copy(seeds_dir / f"{SEED}.txt", tmp_path / "docs")
    shutil.copy(seeds_dir / "truth" / f"{SEED}.json", tmp_path / "docs" / "truth")
    return tmp_path


LOAD_AND_RECOVER = (
    "import json, sys, recover\n"
    "from recover.model import shipped_model_path\n"
    "recover.load_model()\n"
    "report = recover.recover_text(open(sys.argv[1], encoding='utf-8').read(), 'seed')\n"
    "print(json.dumps({'package': recover.__file__, 'model': str(shipped_model_path()),"
    " 'template': report.template}))\n")


def test_the_sdist_and_the_wheel_carry_the_model_and_its_card(built):
    with zipfile.ZipFile(built["wheel"]) as z:
        names = set(z.namelist())
    assert {"recover/models/row_classifier.joblib", "recover/models/row_classifier.scorer.npz",
            "recover/models/row_classifier.card.json", "recover/py.typed"} <= names
    assert not any(n.startswith("models/") for n in names)
    with tarfile.open(built["sdist"]) as t:
        members = {m.name.split("/", 1)[1]: m for m in t.getmembers() if "/" in m.name}
    assert members["models/row_classifier.joblib"].isfile()  # a file, not a link


def test_an_installed_wheel_loads_its_own_model_outside_the_checkout(installed, elsewhere):
    done = _run([installed, "-c", LOAD_AND_RECOVER, elsewhere / "docs" / f"{SEED}.txt"], cwd=elsewhere)
    loaded = json.loads(done.stdout)
    prefix = installed.parent.parent
    assert Path(loaded["package"]).is_relative_to(prefix)
    assert Path(loaded["model"]).is_relative_to(prefix) and not Path(loaded["model"]).is_relative_to(REPO)
    assert loaded["template"] == "2021"


def test_a_source_checkout_loads_the_model_from_its_models_folder(product_site, tmp_path, seeds_dir):
    python = _venv(tmp_path / "bare", product_site)  # recover not installed: only the checkout
    done = _run([python, "-c", LOAD_AND_RECOVER, seeds_dir / f"{SEED}.txt"], cwd=tmp_path, PYTHONPATH=str(REPO))
    loaded = json.loads(done.stdout)
    assert Path(loaded["package"]) == REPO / "recover" / "__init__.py"
    assert Path(loaded["model"]) == REPO / "models" / "row_classifier.joblib"
    assert loaded["template"] == "2021"


def test_a_plain_install_runs_every_command_that_needs_no_tooling(installed, elsewhere):
    recover = installed.parent / "recover"
    _run([recover, "batch", "docs", "--out", "out", "--no-progress"], cwd=elsewhere)
    scores = json.loads(_run([recover, "evaluate", "--truth", "docs/truth", "--cells", "out/cells.csv", "--json"],
                             cwd=elsewhere).stdout)
    assert scores["documents"] == 1 and scores["silent_errors"] == 0
    _run([recover, "label", "docs", "--out", "labels.tsv", "--prefill"], cwd=elsewhere)
    _run([recover, "train", "--data", "labels.tsv", "--out", "model/rows.joblib", "--folds", "1"], cwd=elsewhere)
    assert (elsewhere / "model" / "rows.card.json").is_file()


@pytest.mark.parametrize("command", [["render", "--synthetic", "1", "--out", "rendered"], ["hostile", "--out", "corpus"]])
def test_the_tooling_commands_say_which_extra_to_install(installed, tmp_path, command):
    done = _run([installed.parent / "recover", *command], cwd=tmp_path, check=False)
    assert done.returncode != 0
    assert f"`recover {command[0]}` needs reportlab: pip install 'recover-zfxxgk[tools]'" in done.stderr
    assert not (tmp_path / command[-1]).exists()


PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_licence_extras_and_version_are_declared():
    assert PROJECT["license"] == "MIT" and "MIT License" in (REPO / "LICENSE").read_text(encoding="utf-8")
    assert set(PROJECT["optional-dependencies"]) == {"bench", "dask", "notebooks", "review", "test", "tools"}
    assert any(d.startswith("jupyterlab") for d in PROJECT["optional-dependencies"]["notebooks"])
    assert PROJECT["version"] == recover.__version__
    assert f"## {recover.__version__}" in (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    assert CliRunner().invoke(main, ["--version"]).output.strip() == f"recover, version {recover.__version__}"


def test_scikit_learn_is_pinned_to_the_versions_the_model_runs_with():
    import json

    spec = next(d for d in PROJECT["dependencies"] if d.startswith("scikit-learn"))
    trained = json.loads((REPO / "models" / "row_classifier.card.json").read_text(encoding="utf-8"))["scikit_learn"]
    low, high = (part.split("=")[-1].lstrip("<") for part in spec.removeprefix("scikit-learn").split(","))
    assert tuple(map(int, low.split("."))) <= tuple(map(int, trained.split("."))) < tuple(map(int, high.split(".")))
