"""Shared fixtures: the folders of tests/fixtures, the real reports kept there and the shipped model.
Tests take them as fixtures (arguments), never by importing this module."""
from pathlib import Path

import pytest

import recover

FIXTURES = Path(__file__).parent / "fixtures"
REAL = FIXTURES / "real"
SEEDS = FIXTURES / "seeds"


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def real_dir() -> Path:
    """Real reports with their truth (truth/<stem>.json)."""
    return REAL


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    """The seed reports with their truth."""
    return SEEDS


@pytest.fixture(scope="session")
def model():
    return recover.load_model()


@pytest.fixture(scope="session")
def real_reports(model):
    """Every real report in the fixtures, recovered once for the whole session."""
    paths = sorted(p for d in (REAL, SEEDS) for p in d.iterdir() if p.is_file())
    return {p.name: recover.recover_file(p, model) for p in paths}


@pytest.fixture(scope="session")
def cells_of():
    """cells_of(text, model): recover a snippet of report text; return {cell key: CellResult}."""
    def cells(text: str, model, name: str = "snippet"):
        return recover.recover_text(text, name, model).cells
    return cells


# Figures measured by tests (accuracies, counts), printed at the end of the run.
FIGURES: dict[str, str] = {}


@pytest.fixture(scope="session")
def figures():
    return FIGURES


def pytest_terminal_summary(terminalreporter):
    if FIGURES:
        terminalreporter.section("measured figures")
        for name, value in FIGURES.items():
            terminalreporter.write_line(f"{name}: {value}")
