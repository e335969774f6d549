"""`python -m tokens.agent`: load the module, show the pairing code, serve on 127.0.0.1."""

import argparse
import logging
import sys
from pathlib import Path

from . import config as agent_config
from .device import ModuleLoadError, NoTokenDevice, TokenDevice
from .modules import VENDOR_MODULES, ModuleNotFound, resolve_module
from .server import LOOPBACK, AgentApp, make_server
from .software import SoftwareKeys, default_folder

DEFAULT_PORT = 47115


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tokens.agent",
        description="Agente local TecnoSign: opera tokens e cartões (PKCS#11) a pedido do portal.",
    )
    parser.add_argument(
        "--module",
        help=f"caminho do módulo PKCS#11 ou um destes fabricantes: {', '.join(VENDOR_MODULES)} "
        "(sem a opção, procura todos)",
    )
    parser.add_argument(
        "--no-token",
        action="store_true",
        help="sem token ou cartão: só emite certificados A1 em arquivo (não procura módulo PKCS#11)",
    )
    parser.add_argument(
        "--a1-dir",
        type=Path,
        default=None,
        help=f"pasta onde os arquivos .pfx dos certificados A1 são gravados (padrão: {default_folder()})",
    )
    parser.add_argument("--host", default=LOOPBACK, help=f"endereço de escuta: só {LOOPBACK} é aceito")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"porta (padrão {DEFAULT_PORT}; 0 = livre)")
    parser.add_argument(
        "--portal-origin",
        action="append",
        default=[],
        help="origem do portal autorizada a usar o agente pelo navegador (repetível; fica gravada)",
    )
    parser.add_argument("--config", type=Path, default=None, help="arquivo de configuração (padrão: ~/.config/…)")
    parser.add_argument("--show-pairing-code", action="store_true", help="mostra de novo o código de pareamento")
    parser.add_argument("--new-pairing-code", action="store_true", help="gera um novo código (desfaz o pareamento)")
    return parser.parse_args(argv)


def _say(text: str) -> None:
    print(text, flush=True)


def main(argv=None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    if args.host != LOOPBACK:
        _say(f"Erro: o agente só escuta em {LOOPBACK}; recusado: {args.host}")
        return 2
    if not 0 <= args.port <= 65535:
        _say("Erro: porta inválida.")
        return 2
    try:
        config = agent_config.load_or_create(
            args.config or agent_config.default_path(), new_secret=args.new_pairing_code
        )
        if args.portal_origin:
            config.portal_origins = sorted({agent_config.normalise_origin(o) for o in args.portal_origin})
            config.save()
        module = None if args.no_token else resolve_module(args.module)
        device = NoTokenDevice() if module is None else TokenDevice(module.path)
    except (agent_config.ConfigError, ModuleNotFound, ModuleLoadError) as exc:
        _say(f"Erro: {exc}")
        return 2
    software = SoftwareKeys(args.a1_dir or default_folder())
    app = AgentApp(secret=config.secret, origins=config.portal_origins, device=device, software=software)
    try:
        server = make_server(app, host=args.host, port=args.port)
    except OSError as exc:
        _say(f"Erro: não foi possível usar a porta {args.port}: {exc.strerror}")
        return 2
    module_info = device.describe_module()
    _say("TecnoSign — agente local de tokens e cartões")
    if module is None:
        _say("Módulo PKCS#11: nenhum (--no-token: só certificados A1 em arquivo)")
    else:
        _say(f"Módulo PKCS#11: {module.path} ({module_info['description']} {module_info['version']})")
    _say(f"Pasta dos certificados A1: {software.folder}")
    _say(f"Configuração: {config.path}")
    if config.created or args.show_pairing_code:
        _say(f"Código de pareamento: {config.pairing_code}")
        _say("Digite este código no portal para autorizá-lo. Não o compartilhe com mais ninguém.")
    origins = ", ".join(config.portal_origins) or "nenhuma (só o servidor do portal, sem navegador)"
    _say(f"Origens autorizadas: {origins}")
    _say(f"Ouvindo em http://{LOOPBACK}:{app.port} — Ctrl-C para encerrar")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
