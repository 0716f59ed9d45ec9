"""The package builder: per platform, the layer holds what the code imports, of the Tencent SDK only common +
faceid, compiled for the platform's own Python, and stays within its size budget (bytes, not time)."""

import ast
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from deploy.package import (
    LAYER_UNZIPPED_BUDGET,
    LAYER_ZIP_BUDGET,
    RELAY_PACKAGE,
    PackageError,
    PackageReport,
    default_scf_python,
    find_interpreter,
    function_dirs,
    scf_runtime,
    write_zip,
)

PLATFORMS = {"lambda": "python/", "scf": ""}


@pytest.fixture(params=PLATFORMS)
def platform(request) -> str:
    name: str = request.param
    return name


@pytest.fixture
def report(artifacts: dict[str, PackageReport], platform: str) -> PackageReport:
    return artifacts[platform]


def names(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        return archive.namelist()


def test_layer_keeps_only_the_faceid_part_of_the_tencentcloud_sdk(report, platform):
    prefix = PLATFORMS[platform]
    entries = names(report.layer.path)
    assert all(entry.startswith(prefix) for entry in entries)
    sdk = {
        entry.removeprefix(prefix).split("/")[1]
        for entry in entries
        if entry.startswith(f"{prefix}tencentcloud/")
    }
    assert sdk == {"__init__.py", "__pycache__", "common", "faceid"}
    assert f"{prefix}faceid_relay/__init__.py" in entries


def test_layer_is_within_its_size_budget(report):
    assert report.layer.zip_bytes <= LAYER_ZIP_BUDGET, report.table()
    assert report.layer.unzipped_bytes <= LAYER_UNZIPPED_BUDGET, report.table()


def test_every_module_ships_with_bytecode_for_its_runtime_only(report):
    """One .pyc per .py, for the platform's CPython version; no tests."""
    entries = names(report.layer.path)
    tag = report.runtime.python.replace(".", "")
    sources = {name for name in entries if name.endswith(".py")}
    compiled = {name for name in entries if name.endswith(".pyc")}
    expected = {
        f"{name.rsplit('/', 1)[0] + '/' if '/' in name else ''}__pycache__/{name.rsplit('/', 1)[-1][:-3]}"
        f".cpython-{tag}.pyc"
        for name in sources
    }
    assert compiled == expected
    assert not [name for name in entries if "/tests/" in name]


def test_every_function_zip_holds_its_folder_and_bytecode(report):
    tag = report.runtime.python.replace(".", "")
    for folder in function_dirs():
        entries = names(report[folder.name].path)
        files = [p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
        sources = sorted(p.relative_to(folder).as_posix() for p in files)
        assert [entry for entry in entries if "__pycache__" not in entry] == sources
        assert f"__pycache__/app.cpython-{tag}.pyc" in entries


def test_scf_runtime_is_a_setting_with_two_documented_values(monkeypatch):
    assert scf_runtime().python == "3.10"
    monkeypatch.setenv("SCF_RUNTIME", "Python3.11")
    assert default_scf_python() == "3.11"
    assert scf_runtime("3.11").python == "3.11"
    with pytest.raises(PackageError, match=r"3\.12"):
        scf_runtime("3.12")


def test_missing_interpreter_is_named(monkeypatch, tmp_path):
    monkeypatch.setattr("deploy.package.PYENV_VERSIONS", tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(PackageError, match=r"No Python 3\.10 interpreter.*pyenv install 3\.10"):
        find_interpreter("3.10")


def test_layer_imports_everything_the_code_imports(report):
    """Every third-party module the relay imports loads from the layer alone, in the runtime's interpreter."""
    sources = [*RELAY_PACKAGE.rglob("*.py"), *(folder / "app.py" for folder in function_dirs())]
    modules = sorted(set().union(*(third_party_imports(source) for source in sources)) | {"faceid_relay"})
    script = "import importlib, sys\nfor name in sys.argv[1:]: importlib.import_module(name)"
    result = subprocess.run(  # noqa: S603 - this interpreter, fixed arguments
        [str(report.interpreter), "-S", "-c", script, *modules],
        env={"PYTHONPATH": str(report.layer_dir), "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_zips_are_deterministic(tmp_path):
    source = tmp_path / "src"
    (source / "pkg").mkdir(parents=True)
    (source / "pkg" / "b.py").write_text("B = 2\n")
    (source / "a.py").write_text("A = 1\n")
    first = write_zip(source, tmp_path / "first.zip")
    (source / "a.py").touch()  # a newer mtime must not change the bytes
    second = write_zip(source, tmp_path / "second.zip")
    assert first.path.read_bytes() == second.path.read_bytes()
    assert names(first.path) == ["a.py", "pkg/b.py"]


def third_party_imports(source: Path) -> set[str]:
    """Absolute imports outside the standard library and the relay itself, skipping `if TYPE_CHECKING:`."""
    found: set[str] = set()

    class Visitor(ast.NodeVisitor):
        def visit_If(self, node: ast.If) -> None:
            if "TYPE_CHECKING" not in ast.unparse(node.test):
                self.generic_visit(node)

        def visit_Import(self, node: ast.Import) -> None:
            found.update(alias.name for alias in node.names)

        def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
            if node.module and not node.level:
                found.add(node.module)

    Visitor().visit(ast.parse(source.read_text()))
    local = sys.stdlib_module_names | {"faceid_relay", "__future__"}
    return {name for name in found if name.split(".")[0] not in local}
