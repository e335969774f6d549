"""Where each vendor's PKCS#11 module lives: `--module` takes a path or one of these names."""

import os
from dataclasses import dataclass

VENDOR_MODULES = {
    "safenet": ("SafeNet eToken / cartão Gemalto (SafeNet Authentication Client)", "libeTPkcs11.so"),
    "idemia": ("Cartão IDEMIA (AWP Identity Manager)", "libidop11.so"),
    "gd": ("Mídias GD e Morpho (SafeSign — Administração de token)", "libaetpkss.so"),
    "opensc": ("OpenSC", "opensc-pkcs11.so"),
    "softhsm": ("SoftHSM2 (token em software, para testes)", "libsofthsm2.so"),
}

SEARCH_DIRS = (
    "/usr/lib",
    "/usr/lib64",
    "/usr/local/lib",
    "/usr/lib/x86_64-linux-gnu",
    "/usr/lib/aarch64-linux-gnu",
    "/usr/lib/pkcs11",
    "/usr/lib/x86_64-linux-gnu/pkcs11",
    "/usr/lib/aarch64-linux-gnu/pkcs11",
    "/usr/lib/softhsm",
    "/usr/local/lib/softhsm",
    "/usr/lib/x86_64-linux-gnu/softhsm",
)


class ModuleNotFound(Exception):
    """No PKCS#11 module at the given path, or none of a vendor's is installed."""


@dataclass(frozen=True)
class ModuleChoice:
    path: str
    vendor: str | None


def _find(filename: str) -> str | None:
    for directory in SEARCH_DIRS:
        candidate = os.path.join(directory, filename)
        if os.path.isfile(candidate):
            return candidate
    return None


def resolve_module(option: str | None) -> ModuleChoice:
    """A path is taken as given; a vendor name is looked up; nothing given tries every vendor in turn."""
    if option and option.lower() not in VENDOR_MODULES:
        if not os.path.isfile(option):
            raise ModuleNotFound(f"Módulo PKCS#11 não encontrado: {option}")
        return ModuleChoice(os.path.abspath(option), None)
    vendors = [option.lower()] if option else list(VENDOR_MODULES)
    for vendor in vendors:
        if path := _find(VENDOR_MODULES[vendor][1]):
            return ModuleChoice(path, vendor)
    names = ", ".join(VENDOR_MODULES[vendor][1] for vendor in vendors)
    raise ModuleNotFound(
        f"Nenhum módulo PKCS#11 encontrado ({names}). Instale o programa do fabricante da mídia ou informe o "
        "caminho com --module."
    )
