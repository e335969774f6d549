"""The media TecnoSign delivers for A3 certificates, and how each vendor's own tool changes its passwords
or erases it (from the seed "Formatação e Alteração de Senhas das Mídias", in the product's words)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Procedure:
    title: str
    steps: tuple[str, ...]
    note: str = ""


@dataclass(frozen=True)
class MediaGuide:
    slug: str
    name: str
    models: str
    tool: str
    summary: str
    procedures: tuple[Procedure, ...]


GUIDES = (
    MediaGuide(
        slug="safenet-gemalto",
        name="Token SafeNet eToken e cartão Gemalto",
        models="Token USB SafeNet eToken e cartão inteligente Gemalto (IDPrime)",
        tool="SafeNet Authentication Client",
        summary="Use o programa SafeNet Authentication Client, do fabricante, para trocar a senha (PIN) da "
        "mídia ou apagar o conteúdo dela antes de instalar um certificado novo.",
        procedures=(
            Procedure(
                title="Trocar a senha (PIN)",
                steps=(
                    "Conecte o token (ou o leitor com o cartão) ao computador.",
                    "Abra o programa “SafeNet Authentication Client” — no Windows ele também aparece como um "
                    "ícone ao lado do relógio.",
                    "Clique em “Modificar senha do token” (Change Token Password).",
                    "Na janela que abrir, digite a senha atual da mídia. Se você nunca a trocou, é a senha "
                    "padrão que veio com a mídia.",
                    "Digite a nova senha e repita-a no campo de confirmação. O programa mostra, na mesma janela, "
                    "as regras de tamanho e de caracteres que ela precisa seguir.",
                    "Clique em “OK” e guarde a nova senha em lugar seguro.",
                ),
                note="Errar a senha várias vezes seguidas bloqueia a mídia. Se isso acontecer, não continue "
                "tentando: fale com o suporte TecnoSign.",
            ),
            Procedure(
                title="Apagar o conteúdo (formatar)",
                steps=(
                    "Conecte a mídia e abra o “SafeNet Authentication Client”.",
                    "Clique em “Excluir conteúdo do token” (Delete Token Content).",
                    "Digite a senha de uso da mídia (o PIN) quando o programa pedir.",
                    "Confirme. Todos os certificados e chaves são apagados e a mídia fica livre para a "
                    "instalação de um certificado novo.",
                ),
                note="Apagar a mídia remove o certificado para sempre: ele não pode ser recuperado depois. Só "
                "faça isso se for instalar um certificado novo.",
            ),
        ),
    ),
    MediaGuide(
        slug="idemia",
        name="Cartão IDEMIA",
        models="Cartão inteligente IDEMIA (antiga Oberthur)",
        tool="AWP Identity Manager",
        summary="O cartão IDEMIA tem duas senhas — o PIN, de uso diário, e o PUK, que desbloqueia o PIN e "
        "permite apagar o cartão. As duas são trocadas e o cartão é apagado pelo programa AWP Identity Manager.",
        procedures=(
            Procedure(
                title="Trocar o PIN e o PUK",
                steps=(
                    "Coloque o cartão no leitor conectado ao computador.",
                    "Abra o programa “AWP Identity Manager”.",
                    "Clique em “Alterar PIN”, na barra superior.",
                    "Escolha a senha que vai trocar: PIN ou PUK.",
                    "Digite primeiro a senha atual — se você nunca a trocou, é a senha padrão que veio com o "
                    "cartão — e depois a nova senha, duas vezes.",
                    "Confirme. Repita os passos para a outra senha: troque as duas, PIN e PUK.",
                ),
                note="O processo é o mesmo para o PIN e para o PUK. Guarde o PUK em lugar seguro: sem ele, um "
                "PIN bloqueado não pode ser desbloqueado.",
            ),
            Procedure(
                title="Apagar o cartão (formatar)",
                steps=(
                    "Coloque o cartão no leitor e abra o “AWP Identity Manager”.",
                    "Clique em “Apagar token”, na barra superior.",
                    "Digite o PUK do cartão.",
                    "Informe um novo rótulo (nome) para a mídia e um novo PIN, repetindo-o na confirmação.",
                    "Clique em “Apagar”. O cartão é formatado e fica livre para a instalação de um certificado novo.",
                ),
                note="Tudo o que o cartão contém é apagado, inclusive o certificado atual. O PUK continua o mesmo.",
            ),
        ),
    ),
    MediaGuide(
        slug="gd-morpho",
        name="Mídias GD e Morpho",
        models="Tokens e cartões GD (Giesecke+Devrient) e Morpho",
        tool="Administração de token",
        summary="As mídias GD e Morpho usam o programa “Administração de token”, instalado com o SafeSign, "
        "para trocar o PIN e o PUK e para apagar a mídia.",
        procedures=(
            Procedure(
                title="Trocar o PIN e o PUK",
                steps=(
                    "Conecte a mídia ao computador.",
                    "Abra o programa “Administração de token”.",
                    "Selecione a mídia na lista e clique no menu “Token”, na barra superior.",
                    "Para trocar o PIN, escolha “Alterar PIN”: digite o PIN atual e o novo PIN duas vezes.",
                    "Para trocar o PUK, escolha “Alterar PUK”: digite o PUK atual e o novo PUK duas vezes.",
                    "Confirme cada troca com “OK”.",
                ),
                note="Se a mídia é nova, a senha atual é a senha padrão que veio com ela.",
            ),
            Procedure(
                title="Apagar a mídia (formatar)",
                steps=(
                    "Conecte a mídia e abra o “Administração de token”.",
                    "Clique no menu “Token”, na barra superior, e escolha “Apagar token”.",
                    "Na janela que abrir, digite o PUK, o rótulo (nome) que a mídia terá e o novo PIN.",
                    "Clique em “Apagar”. A mídia é formatada e fica livre para a instalação de um certificado novo.",
                ),
                note="Tudo o que a mídia contém é apagado, inclusive o certificado atual.",
            ),
        ),
    ),
)

GUIDES_BY_SLUG = {guide.slug: guide for guide in GUIDES}
