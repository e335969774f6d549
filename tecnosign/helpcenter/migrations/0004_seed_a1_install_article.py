"""The help article linked from the A1 issuance's success page: installing the .pfx on Windows, macOS and in the
browsers. Only created when missing (staff may have edited it)."""

from django.db import migrations

ARTICLE = {
    "slug": "instalar-certificado-a1",
    "category": "midias",
    "audience": "clientes",
    "position": 2,
    "title": "Como instalar o certificado A1 (Windows, macOS e navegadores)",
    "summary": "O arquivo .pfx salvo na emissão: como instalá-lo no Windows, no macOS e nos navegadores, e o que "
    "fazer se ele não abrir.",
    "body": """
Na emissão do certificado A1, o navegador salvou um arquivo **.pfx** (por exemplo
`certificado-a1-maria-da-silva-2026000123.pfx`) na pasta de downloads. Ele contém o certificado e a chave privada,
protegidos pela **senha do arquivo** que você escolheu na emissão. A chave não existe em nenhum outro
lugar: antes de tudo, faça uma **cópia de segurança** do arquivo (um pen drive, por exemplo).

## Windows

1. Dê um duplo clique no arquivo `.pfx`. Abre o Assistente para Importação de Certificados.
2. Em "Local do repositório", escolha **Usuário atual** e clique em Avançar duas vezes.
3. Digite a **senha do arquivo**. Marque "Marcar esta chave como exportável" só se você quiser poder
   fazer outra cópia depois; deixe marcada a opção "Incluir todas as propriedades estendidas".
4. Deixe "Selecionar automaticamente o repositório" e clique em Concluir.

O certificado passa a aparecer para o Chrome, o Edge e os programas da Receita Federal. Para conferir,
abra `certmgr.msc` e veja em Pessoal › Certificados.

## macOS

1. Dê um duplo clique no arquivo `.pfx`. Abre o **Acesso às Chaves** (Keychain Access).
2. Escolha o chaveiro **início de sessão** (login) e clique em Adicionar.
3. Digite a **senha do arquivo** e, se pedido, a senha do seu usuário do Mac.

O Safari e o Chrome usam o certificado a partir do chaveiro. Na primeira vez que um site pedir o
certificado, o macOS pergunta se pode usar a chave: escolha "Sempre permitir" só no seu computador.

## Navegadores

- **Chrome e Edge** usam os certificados do Windows ou do macOS: instale pelo sistema, como acima.
- **Firefox** tem o seu próprio repositório: Configurações › Privacidade e Segurança › Certificados ›
  **Ver certificados** › aba Seus certificados › **Importar**, escolha o `.pfx` e digite a senha do
  arquivo.

## Se o arquivo não abrir

Se o arquivo estiver corrompido, não for encontrado ou a senha dele não for aceita, você tem a
**garantia de 14 dias** a partir da emissão: revogue o certificado com o motivo "arquivo corrompido" e a
reemissão é feita sem custo. Veja [Garantias e revogações](/ajuda/artigos/garantias/).
""",
}


def create_article(apps, schema_editor):
    Article = apps.get_model("helpcenter", "Article")
    Article.objects.get_or_create(slug=ARTICLE["slug"], defaults={**ARTICLE, "body": ARTICLE["body"].strip() + "\n"})


def remove_article(apps, schema_editor):
    apps.get_model("helpcenter", "Article").objects.filter(slug=ARTICLE["slug"]).delete()


class Migration(migrations.Migration):
    dependencies = [("helpcenter", "0003_unaccent")]

    operations = [migrations.RunPython(create_article, remove_article)]
