"""The README's configuration table names every variable the portal reads from the environment.

The settings module reads the environment through its helpers (`env_str`, `env_int`, `env_bool`, `env_list`) or
`os.environ`; the code reads settings through `settings.NAME` or `getattr(settings, "NAME", …)`. Both are found by
reading the source (AST), so a new variable without its row in the table fails here.
"""

import ast
import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
SETTINGS_FILE = ROOT / "tecnosign" / "settings.py"
ENV_HELPERS = {"env_str", "env_int", "env_bool", "env_list"}
SKIPPED_DIRS = {".venv", "node_modules", "migrations", "var", "artifacts"}


def _env_names(node: ast.AST) -> set[str]:
    """Environment variables read anywhere inside `node`: env helpers and os.environ.get / os.environ[...]."""
    names = set()
    for inner in ast.walk(node):
        if isinstance(inner, ast.Call) and inner.args and isinstance(inner.args[0], ast.Constant):
            function = inner.func
            helper = isinstance(function, ast.Name) and function.id in ENV_HELPERS
            environ_get = (
                isinstance(function, ast.Attribute)
                and function.attr == "get"
                and isinstance(function.value, ast.Attribute)
                and function.value.attr == "environ"
            )
            if helper or environ_get:
                names.add(inner.args[0].value)
        if (
            isinstance(inner, ast.Subscript)
            and isinstance(inner.value, ast.Attribute)
            and inner.value.attr == "environ"
            and isinstance(inner.slice, ast.Constant)
        ):
            names.add(inner.slice.value)
    return names


def settings_module() -> ast.Module:
    return ast.parse(SETTINGS_FILE.read_text(encoding="utf-8"))


def env_driven_settings() -> dict[str, set[str]]:
    """Setting name → the environment variables its value is read from (only settings read from any)."""
    driven: dict[str, set[str]] = {}
    for node in ast.walk(settings_module()):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = _env_names(node.value) if node.value is not None else set()
            for target in targets:
                if isinstance(target, ast.Name) and names:
                    driven.setdefault(target.id, set()).update(names)
    return driven


def settings_read_by_the_code() -> set[str]:
    read = set()
    for path in ROOT.rglob("*.py"):
        if SKIPPED_DIRS & set(path.relative_to(ROOT).parts) or path == SETTINGS_FILE:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "settings":
                read.add(node.attr)
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "getattr"
                and len(node.args) >= 2
                and isinstance(node.args[0], ast.Name)
                and node.args[0].id == "settings"
                and isinstance(node.args[1], ast.Constant)
            ):
                read.add(node.args[1].value)
    return read


def configuration_table() -> set[str]:
    """The variable names in the first column of the README's "## Configuration" table."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    names = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            first_cell = line.split("|")[1]
            names.update(re.findall(r"`([A-Z][A-Z0-9_]*)`", first_cell))
    return names


def test_every_environment_variable_the_settings_read_has_a_row_in_the_readme():
    # Given the variables tecnosign/settings.py reads from the environment
    read = set().union(*env_driven_settings().values()) | _env_names(settings_module())

    # When they are held against the README's configuration table
    missing = read - configuration_table()

    # Then each has its row (default and meaning)
    assert not missing, f"add these to the README's configuration table: {sorted(missing)}"


def test_every_setting_the_code_reads_from_the_environment_is_in_the_readme():
    # Given the settings the code reads that come from the environment (Django's own are not the README's business)
    driven = env_driven_settings()
    read = settings_read_by_the_code() & set(driven)

    # When their variables are held against the README's configuration table
    table = configuration_table()
    missing = {name: sorted(driven[name] - table) for name in read if driven[name] - table}

    # Then each is documented there
    assert read, "the scan found no setting read by the code: it is broken"
    assert not missing, f"settings read by the code whose variables have no README row: {missing}"


def test_the_readme_table_names_only_variables_the_settings_read():
    # Given the README's configuration table
    table = configuration_table()

    # When its names are held against what the settings module reads
    read = _env_names(settings_module())

    # Then no row documents a variable nothing reads any more
    assert table - read == set(), f"README rows for variables nothing reads: {sorted(table - read)}"
