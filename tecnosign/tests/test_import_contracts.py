"""The import contracts name every view and selector module, so a new one cannot slip outside the layers."""

import configparser
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _contract(name: str) -> configparser.SectionProxy:
    parser = configparser.ConfigParser()
    parser.read(ROOT / ".importlinter")
    return parser[f"importlinter:contract:{name}"]


def test_every_views_and_selectors_module_of_every_app_is_in_a_layer():
    contract = _contract("app-internals")
    named = set(re.findall(r"\((\w+)\)", contract["layers"]))
    containers = contract["containers"].split()
    found = set()
    for container in containers:
        folder = ROOT.joinpath(*container.split("."))
        found |= {path.stem for path in folder.glob("views*.py")} | {path.stem for path in folder.glob("selectors*.py")}

    assert found - named == set(), "name these modules in .importlinter's app-internals layers"


def test_every_app_is_in_the_apps_contract():
    layers = _contract("apps")["layers"]
    apps = {path.parent.name for path in ROOT.glob("*/apps.py")} | {
        f"tecnosign.{path.parent.name}" for path in ROOT.glob("tecnosign/*/apps.py")
    }

    assert {app for app in apps if app not in layers} == set()
