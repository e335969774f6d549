"""The knowledge base the portal starts with, written from the seed documents in the product's own words.

Staff edit the articles in the admin afterwards; this migration only creates the ones that are missing.
"""

from django.db import migrations

ARTICLES = [
    {
        "slug": "como-comprar",
        "category": "compra",
        "audience": "todos",
        "position": 1,
        "title": "Como comprar um certificado pelo link de venda rápida",
        "summary": "O passo a passo da compra pelo link enviado pelo parceiro: escolha, dados, pagamento, "
        "documento, agendamento e emissão.",
        "body": """
O link de venda rápida é o endereço que o seu contador ou parceiro TecnoSign envia para você
(ele começa com `/l/`). Por ele você compra, paga e acompanha tudo sem sair de casa.

## 1. Escolha o certificado

Ao abrir o link aparecem os certificados que o parceiro oferece, já com o preço final (se o parceiro
deu um desconto, ele já está aplicado). Escolha o modelo: e-CPF para pessoa física, e-CNPJ para a empresa;
A1 (arquivo no computador, 12 meses) ou A3 (token ou cartão, 12 ou 24 meses).

## 2. Preencha os dados

Informe os dados do titular. No e-CNPJ, informe o CNPJ, a razão social e os dados do **representante
legal** — o sócio administrador que assina pela empresa na Receita Federal; é ele quem faz a
videoconferência.

Nesta etapa você cria duas senhas. **Anote as duas**:

- a **senha de emissão**, pedida para baixar ou instalar o certificado. Depois que o certificado for
  baixado, você poderá cadastrar outra senha para o uso do dia a dia;
- a **senha de revogação**, diferente da primeira, que serve para revogar o certificado se ele for
  perdido ou roubado. Veja [As senhas do pedido](/ajuda/artigos/senhas/).

## 3. Pague

Escolha PIX, boleto ou cartão de crédito. O link para pagamento também é enviado ao e-mail informado no
passo anterior. O boleto pode levar **até 2 dias úteis** para compensar; o PIX e o cartão são confirmados
na hora. Veja [Formas de pagamento](/ajuda/artigos/pagamento/).

## 4. Envie o documento

Com o pagamento confirmado, envie pela página do pedido uma foto ou PDF do documento de identidade do
titular (no e-CNPJ, também o contrato social ou ato constitutivo da empresa).

## 5. Agende a videoconferência

Escolha o dia e o horário (horário de Brasília). Assim que o horário é agendado, o link da
videoconferência é enviado automaticamente ao e-mail cadastrado. No dia, 10 minutos antes do horário,
a nossa equipe entra em contato para que você se prepare. Tenha em mãos o mesmo documento que foi
enviado. Veja [Como se preparar para a videoconferência](/ajuda/artigos/videoconferencia/).

## 6. Receba o certificado

Terminada a videoconferência, o processo segue para a Central de Verificação. Com a aprovação, você
recebe no e-mail cadastrado as orientações para baixar o certificado. A Autoridade Certificadora tem
**até 24 horas** para liberar a emissão. No A3, a emissão é feita quando a mídia chegar ao seu endereço.

Você acompanha cada etapa em [Meu pedido](/pedido/), com o número do pedido (começa com **TS**) e o
CPF ou CNPJ do titular.
""",
    },
    {
        "slug": "pagamento",
        "category": "compra",
        "audience": "todos",
        "position": 2,
        "title": "Formas de pagamento: PIX, boleto e cartão",
        "summary": "Prazos de cada forma de pagamento, quanto tempo leva a confirmação e o que fazer se o "
        "prazo terminar.",
        "body": """
Depois de fazer o pedido, escolha na página do pedido como pagar. Você pode trocar de forma de
pagamento enquanto o pedido não estiver pago: a cobrança anterior é substituída.

## PIX

O QR Code e o código “copia e cola” valem por 30 minutos. A confirmação é imediata. Se o prazo passar,
gere um novo código na página do pedido.

## Boleto

O boleto vence em 3 dias úteis. Depois de pago, ele pode levar **até 2 dias úteis para compensar** — a
página do pedido mostra até quando a confirmação deve chegar. Avisamos por e-mail assim que ele for
compensado. Se você pagou um boleto antigo depois de gerar outro, o pagamento é aceito do mesmo jeito.

## Cartão de crédito

A resposta do cartão é imediata. Se ele for recusado, tente outro cartão ou pague por PIX ou boleto.

## E se o prazo terminar?

Um pedido sem pagamento confirmado dentro do prazo fica como “pagamento expirado”. Basta abrir o pedido
e gerar uma nova cobrança: os dados preenchidos continuam guardados.
""",
    },
    {
        "slug": "senhas",
        "category": "compra",
        "audience": "todos",
        "position": 3,
        "title": "As senhas do pedido: senha de emissão e senha de revogação",
        "summary": "Para que serve cada uma das duas senhas criadas na compra, e por que é preciso anotá-las.",
        "body": """
Na compra você cria duas senhas diferentes. A TecnoSign guarda apenas uma forma cifrada delas e **não
consegue recuperá-las**: anote as duas em um lugar seguro.

## Senha de emissão

É a senha para baixar o certificado (A1) ou instalá-lo no token ou cartão (A3). Ela é criada no momento
da compra e do agendamento. Depois que o certificado for baixado, você poderá cadastrar outra senha,
a senha oficial de uso do certificado.

Perdeu ou esqueceu a senha de emissão antes de baixar? Há **14 dias de garantia**: veja
[Garantias e revogações](/ajuda/artigos/garantias/).

## Senha de revogação

Serve para revogar (cancelar definitivamente) o certificado se ele for perdido, roubado ou se você não
quiser mais que alguém o use. Ela precisa ser diferente da senha de emissão.

- Certificado feito **por videoconferência**: é a senha criada no ato da compra e do agendamento —
  **não** é a senha que você usa para baixar o certificado no computador.
- Certificado feito **presencialmente**: é a senha que está no Termo de Titularidade.

Esqueceu a senha de revogação? Veja
[Esqueci a senha de revogação](/ajuda/artigos/revogacao-sem-senha/).
""",
    },
    {
        "slug": "garantias",
        "category": "garantias",
        "audience": "todos",
        "position": 1,
        "title": "Garantias e revogações",
        "summary": "Quando o certificado é refeito sem custo (14 ou 7 dias), quando não há garantia, e como "
        "revogar com a senha de revogação.",
        "body": """
Dentro do prazo de garantia, o certificado é revogado e refeito **sem custo**. O prazo conta a partir da
emissão.

## 14 dias de garantia

- Perdeu ou esqueceu a senha.
- O arquivo corrompeu quando o certificado foi baixado.
- Esqueceu de informar o CEI ou o PIS.

## 7 dias de garantia

- Fez o processo e depois percebeu que era o CNPJ de outra filial. Mesmo que o certificado já tenha sido
  baixado, é possível revogar e refazer.

## Sem garantia

- Perdeu a mídia (token ou cartão).
- Não quer mais o acesso — por exemplo, o cliente passou o certificado para o contador e não quer mais que
  ele o utilize.
- O computador foi roubado.

Nesses casos o certificado deve ser revogado, para que ninguém o use, e um novo certificado precisa ser
comprado.

## Como revogar

Quando o certificado não tem mais garantia por perda da mídia, mudança de quem usa ou roubo do
computador, é o **próprio titular** quem revoga, com a **senha de revogação**:

- certificado feito por videoconferência: a senha criada no ato da compra e do agendamento (não a que é
  usada para baixar o certificado no computador);
- certificado feito presencialmente: a senha que está no Termo de Titularidade.

A revogação é feita pela página do pedido, em [Meu pedido](/pedido/). Ela é definitiva: um certificado
revogado não volta a valer.

Não lembra a senha de revogação? É preciso enviar uma carta assinada e com firma reconhecida em
cartório: veja [Esqueci a senha de revogação](/ajuda/artigos/revogacao-sem-senha/).
""",
    },
    {
        "slug": "revogacao-sem-senha",
        "category": "garantias",
        "audience": "todos",
        "position": 2,
        "title": "Esqueci a senha de revogação: a carta com firma reconhecida",
        "summary": "Sem a senha de revogação, a revogação é pedida por carta assinada pelo titular, com firma "
        "reconhecida em cartório.",
        "body": """
Sem a senha de revogação, o titular pede a revogação por **carta**:

1. Na página do pedido, em [Meu pedido](/pedido/), gere a carta de pedido de revogação. Ela já vem
   preenchida com os dados do certificado.
2. Imprima e assine. No e-CNPJ, quem assina é o representante legal da empresa.
3. Reconheça a firma da assinatura em cartório.
4. Envie a carta assinada e reconhecida para a TecnoSign, pela própria página do pedido.

A nossa equipe confere a carta e revoga o certificado; você recebe a confirmação por e-mail.

A carta é necessária porque a revogação é definitiva: sem a senha, a assinatura reconhecida em cartório
é o que garante que o pedido vem mesmo do titular.
""",
    },
    {
        "slug": "videoconferencia",
        "category": "videoconferencia",
        "audience": "todos",
        "position": 1,
        "title": "Como se preparar para a videoconferência",
        "summary": "Horário de Brasília, tolerância de 10 minutos, documento em mãos, ambiente adequado: o que "
        "o titular precisa saber antes da validação.",
        "body": """
A videoconferência é a validação da identidade do titular, feita por um Agente de Registro por vídeo.
O atendimento é rápido, mas algumas orientações evitam a recusa do processo.

## Antes de agendar

- Certificados **e-CNPJ** são feitos em nome do **sócio administrador**, ou seja, o representante legal
  que assina pela empresa na Receita Federal. É ele quem faz a videoconferência.
- O documento do titular deve ser enviado **antes do agendamento**, pela página do pedido.
- Se o parceiro fizer o agendamento pelo cliente, ele confirma que o número de celular cadastrado está
  correto: é por ele que chega o aviso minutos antes do horário.

## No dia

- Os atendimentos seguem o **horário de Brasília** e são feitos com horário agendado.
- Clique no link da videoconferência no horário escolhido. Se tiver dificuldade para acessar, peça ajuda
  ao parceiro que indicou a TecnoSign.
- A **tolerância é de 10 minutos**: depois disso, o atendimento precisa ser reagendado.
- Esteja com o documento em mãos — o mesmo que foi enviado no pedido.
- A videoconferência é feita **somente pelo titular** do certificado.
- Você pode entrar pelo link enviado por WhatsApp minutos antes do horário ou pelo link enviado ao
  e-mail cadastrado. **Não é preciso ligar para o atendente.**
- Evite lugares movimentados (restaurantes, shopping…) e não faça a videoconferência dirigindo: a
  interferência pode causar a recusa do processo. Esteja em um ambiente adequado e com internet estável.
- Pessoas com mais idade ou sem facilidade com tecnologia: o ideal é ter alguém por perto para ajudar. Se
  não houver, basta clicar no link para que o atendimento comece.
- Pelo celular, regule o volume para entender as instruções do Agente de Registro.

## A senha de emissão

A senha para baixar o certificado é criada na compra e no agendamento. **Anote-a**, para não precisar
refazer o processo nem perder o certificado. Depois de baixado o certificado, você cria a senha oficial
de uso. Veja [As senhas do pedido](/ajuda/artigos/senhas/).

Mais dúvidas? Veja as
[perguntas frequentes sobre a videoconferência](/ajuda/artigos/videoconferencia-perguntas/).
""",
    },
    {
        "slug": "videoconferencia-perguntas",
        "category": "videoconferencia",
        "audience": "todos",
        "position": 2,
        "title": "Perguntas frequentes sobre a videoconferência",
        "summary": "Como agendar, o que é preciso, quanto tempo dura, quem pode fazer, o que fazer se o link "
        "não chegar ou se ninguém aparecer.",
        "body": """
Hoje é possível resolver pela internet muitas tarefas do dia a dia — pagar contas, fazer compras, assinar
documentos. O certificado digital também: a compra pode ser totalmente on-line, graças à videoconferência.

## O que é o atendimento por videoconferência?

O atendimento (ou validação) é o procedimento em que se confirma a identidade do titular do certificado
digital. É uma etapa essencial: é ela que garante a autenticidade de tudo o que for feito com o
certificado no meio eletrônico. Na videoconferência, o Agente de Registro faz essa confirmação por uma
chamada de vídeo, totalmente on-line, depois de receber os documentos enviados no pedido.

## Como agendar a videoconferência?

De duas maneiras: durante a compra, logo depois de enviar o documento, ou mais tarde em
[Meu pedido](/pedido/), informando o **número do pedido** (enviado no e-mail de confirmação, começa com
“TS”) e o **CPF ou CNPJ do titular**.

## O que é preciso para fazer a videoconferência?

Ter feito o pedido, com o pagamento confirmado, ter enviado o documento de identidade pela página do
pedido e ter agendado o atendimento. Todas as informações são enviadas para o seu e-mail.

## Agendamento feito e documentos enviados. E agora?

Você recebe as informações do atendimento e o link para a videoconferência. Pelo computador, basta clicar
no link no horário marcado: a chamada abre no navegador. Se o seu atendimento for por um aplicativo
(Teams, Zoom ou Webex) e você for usar o celular ou o tablet, instale o aplicativo antes.

## Passo a passo com o aplicativo Teams

1. Instale o Teams, da Microsoft, no seu dispositivo (no computador, pode usar a versão web).
2. Permita o uso do microfone.
3. Informe o seu nome e habilite o áudio e o vídeo.
4. Clique em “Ingressar agora”.
5. Aguarde o Agente de Registro admitir você na chamada.
6. Pronto: o atendimento pode começar.

## Como me preparar?

- Esteja em um ambiente silencioso e com boa iluminação.
- Verifique a sua conexão com a internet.
- Confira se o computador, o celular ou o tablet está com bateria.
- Se possível, use fones de ouvido.
- Acesse o link enviado ao seu e-mail para iniciar o atendimento.

## Quanto tempo dura uma videoconferência?

De 15 a 30 minutos.

## O que acontece durante a videoconferência?

A sua identidade é confirmada. O Agente de Registro faz algumas perguntas e pede que você mostre o seu
documento de identificação.

## Posso fazer a videoconferência em qualquer lugar?

Pode, com ressalvas. Como é o momento de confirmar a sua identidade, você precisa estar em um ambiente
silencioso, com vestimenta adequada e sem acessórios que dificultem o reconhecimento — por exemplo, na
praia de chapéu e óculos de sol, ou em locais com muito barulho. Além de conversar e conferir o
documento, o Agente de Registro confirma a sua identidade visualmente.

## Posso agendar a videoconferência de vários certificados para o mesmo horário?

Não. O atendimento é separado para cada certificado digital.

## Outra pessoa pode fazer o atendimento em meu lugar?

Não. Assim como no atendimento presencial, o titular precisa estar na videoconferência,
impreterivelmente.

## Não recebi o link para a videoconferência. O que fazer?

Verifique as pastas de spam e lixo eletrônico do seu e-mail. Se mesmo assim não encontrar a mensagem,
abra o seu pedido em [Meu pedido](/pedido/) ou fale com a TecnoSign.

## Entrei pelo link, mas ninguém apareceu. E agora?

Isso pode acontecer por atrasos na agenda. Você não precisa fazer nada: entraremos em contato por
telefone ou e-mail para reagendar o atendimento.

## Agendei, mas não poderei comparecer. O que fazer?

Reagende o atendimento pela página do pedido.

## Fui atendido. Qual é o próximo passo?

Depois da validação, o processo passa pela Central de Verificação e a Autoridade Certificadora libera a
emissão em até 24 horas. Você recebe as instruções por e-mail e emite o certificado pela página do
pedido. **Atenção:** se você comprou um certificado A3, no cartão ou no token, é preciso aguardar a
chegada da mídia no endereço de entrega para fazer a emissão.

## Quem pode fazer o atendimento por videoconferência?

Todos os certificados digitais com validade de 12 meses, ou clientes que já têm os dados biométricos
cadastrados na ICP-Brasil.
""",
    },
    {
        "slug": "midias",
        "category": "midias",
        "audience": "todos",
        "position": 1,
        "title": "Tokens e cartões: senhas PIN e PUK e formatação",
        "summary": "Como alterar as senhas e formatar os tokens e cartões SafeNet, Gemalto, IDEMIA, GD e "
        "Morpho.",
        "body": """
Certificados A3 ficam em uma mídia criptográfica — um token USB ou um cartão com leitora. Cada mídia tem
duas senhas:

- **PIN**: a senha de uso do dia a dia;
- **PUK**: a senha de administração, que desbloqueia o PIN e permite formatar a mídia.

Ao receber a mídia, troque a senha padrão pela sua. Para instalar um novo certificado em uma mídia já
usada, pode ser preciso formatá-la — a formatação apaga todos os certificados dela.

As instruções de cada modelo, com o aplicativo do fabricante, estão nas
[páginas das mídias](/ajuda/midias/):

- token SafeNet e cartão Gemalto (aplicativo SafeNet);
- cartões IDEMIA (aplicativo AWP Identity Manager);
- mídias GD e Morpho (aplicativo Administração de token).
""",
    },
    {
        "slug": "programa-de-parceiros",
        "category": "parceiros",
        "audience": "parceiros",
        "position": 1,
        "title": "Programa de parceiros: como funciona",
        "summary": "Indique a TecnoSign e nós fazemos todo o atendimento. Em cada link, você escolhe entre "
        "receber comissão ou dar um preço especial ao cliente.",
        "body": """
Com a parceria você não tem trabalho: indique a TecnoSign aos seus clientes e nós fazemos tudo por
aqui. Todo o atendimento, a emissão do certificado e o suporte são feitos pelo nosso time.

## Credenciamento

[Credencie a sua empresa](/parceiros/credenciamento/) com o CPF ou CNPJ, o contato e a chave PIX para
receber as comissões. A nossa equipe analisa o cadastro e avisa por e-mail quando ele for aprovado.

## Links de venda

Na [área do parceiro](/parceiros/), crie quantos links quiser — para todo o catálogo ou para um produto
só. Em cada link você escolhe o benefício:

- **comissão** para você, um percentual sobre o valor pago pelo cliente; ou
- **desconto** para o cliente, em percentual ou em reais.

Os limites de comissão e de desconto são definidos pela TecnoSign. Um link pode ter data de validade e
limite de pedidos, e pode ser pausado e retomado a qualquer momento. Cada link tem o seu endereço, um
QR Code para divulgar e os números de visitas, pedidos, pedidos pagos e conversão.

## Acompanhamento dos pedidos

O painel mostra os pedidos dos seus clientes e a situação de cada um em palavras — “aguardando
pagamento”, “pago — aguardando documentos”, “videoconferência agendada”, “certificado emitido” —, com
busca por nome ou CPF/CNPJ, filtros e exportação em planilha. Você pode reenviar ao cliente o link de
pagamento e agendar a videoconferência por ele (confirmando o celular do cliente). Por segurança, o
parceiro nunca vê os documentos nem as senhas do cliente.

## Comissões

A comissão é lançada quando o pedido de um link com comissão é pago, e estornada se o pagamento for
devolvido ou o certificado for refeito pela garantia. O extrato mensal, com os totais, fica na área do
parceiro e pode ser baixado em planilha. A TecnoSign paga o mês fechado pela chave PIX cadastrada.
""",
    },
    {
        "slug": "parceiros-agendamento",
        "category": "parceiros",
        "audience": "parceiros",
        "position": 2,
        "title": "Agendar a videoconferência pelo cliente",
        "summary": "O que conferir antes de agendar em nome do cliente e como orientá-lo para o atendimento.",
        "body": """
Na área do parceiro, os pedidos com documento enviado podem ser agendados por você.

Antes de agendar:

- confira que o documento do cliente já foi enviado — ele é anexado antes do agendamento;
- **confirme o número de celular do cliente**: é por ele que chega o link minutos antes do horário;
- no e-CNPJ, lembre o cliente de que a videoconferência é feita pelo sócio administrador, o
  representante legal da empresa na Receita Federal.

Oriente o cliente:

- o atendimento segue o horário de Brasília, com 10 minutos de tolerância;
- ele deve estar com o mesmo documento enviado no pedido, em um lugar silencioso e com internet estável;
- basta clicar no link enviado por WhatsApp ou e-mail — não é preciso ligar para o atendente;
- a senha de emissão, criada na compra, deve estar anotada.

Veja também [Como se preparar para a videoconferência](/ajuda/artigos/videoconferencia/).
""",
    },
    {
        "slug": "api-parceiros",
        "category": "parceiros",
        "audience": "parceiros",
        "position": 3,
        "title": "API para o sistema do parceiro",
        "summary": "Crie chaves de acesso na área do parceiro e integre links, pedidos e o extrato de comissões "
        "ao seu sistema.",
        "body": """
Escritórios com sistema próprio podem usar a API REST da TecnoSign para criar e pausar links, consultar
os produtos e preços de um link, fazer pedidos em nome dos clientes, acompanhar a situação dos pedidos e
baixar o extrato de comissões.

1. Na [área do parceiro](/parceiros/), em **Chaves de API**, crie uma chave e dê a ela um nome (por
   exemplo, o nome do sistema que vai usá-la).
2. Copie a chave: ela é mostrada **uma única vez**. A TecnoSign guarda só uma impressão dela.
3. Envie a chave no cabeçalho `Authorization: Bearer <chave>` de cada chamada.
4. Revogue a chave na área do parceiro quando ela não for mais usada ou se tiver vazado.

A documentação completa, com todos os campos e mensagens de erro, está em [/api/docs/](/api/docs/).
""",
    },
]


def create_articles(apps, schema_editor):
    Article = apps.get_model("helpcenter", "Article")
    for data in ARTICLES:
        Article.objects.get_or_create(slug=data["slug"], defaults={**data, "body": data["body"].strip() + "\n"})


def remove_articles(apps, schema_editor):
    Article = apps.get_model("helpcenter", "Article")
    Article.objects.filter(slug__in=[data["slug"] for data in ARTICLES]).delete()


class Migration(migrations.Migration):
    dependencies = [("helpcenter", "0001_initial")]

    operations = [migrations.RunPython(create_articles, remove_articles)]
