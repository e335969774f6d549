/* TecnoSign — online renewal (/pedido/<n>/renovacao-online/): the renewal request the portal wrote is signed on the
 * token by the local agent (agente-base.js) with the holder's current certificate; the portal checks it.
 * The PIN goes only to the agent; the portal gets the signature and the public certificate. */
(function () {
  "use strict";

  function $(id) { return document.getElementById(id); }
  var root = $("agente");
  if (!root || !window.TecnoSignAgent) { return; }
  var data = root.dataset;
  var csrf = root.querySelector("[name=csrfmiddlewaretoken]").value;

  var a1 = !!$("secao-assinar-a1");
  var agent = TecnoSignAgent.setup({
    onConnect: function () { if (a1) { $("secao-assinar-a1").hidden = false; } },
    onChoose: function () { if (!a1) { $("secao-assinar").hidden = false; } },
    onNone: function () { $("secao-assinar").hidden = true; if (a1) { $("secao-assinar-a1").hidden = true; } }
  });
  if (!agent) { return; }

  /* The holder's own certificate on the token: not a CA's, and its CN ends with the holder's CPF/CNPJ. */
  function holderCertificate(objects) {
    var mine = objects.filter(function (o) {
      return o.type === "certificate" && !o.authority && o.subject &&
        o.subject.indexOf(":" + data.holderDocument) !== -1;
    });
    mine.sort(function (a, b) { return a.not_after < b.not_after ? 1 : -1; });
    return mine[0] || null;
  }

  /* The signed request to the portal; the page says what it answered. */
  async function send(signed) {
    var response = await fetch(data.signUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ request: data.request, signature: signed.signature, certificate: signed.certificate }),
      credentials: "same-origin", cache: "no-store"
    });
    var answer = {};
    try { answer = await response.json(); } catch (e) { answer = {}; }
    if (!response.ok) {
      agent.say(answer.message || "O portal recusou a assinatura.", "error");
      return;
    }
    $("secao-assinar").hidden = true;
    if (a1) { $("secao-assinar-a1").hidden = true; }
    agent.say(answer.message, "success", { href: data.orderUrl, text: "Ver o pedido" });
  }

  function base64Of(buffer) {
    var bytes = new Uint8Array(buffer), text = "";
    for (var i = 0; i < bytes.length; i += 1) { text += String.fromCharCode(bytes[i]); }
    return btoa(text);
  }

  if (a1) {
    $("form-assinar-a1").addEventListener("submit", agent.guarded(async function () {
      var file = $("assinar-arquivo").files[0];
      if (!file) { agent.say("Escolha o arquivo do seu certificado A1.", "error"); return; }
      var signed = await agent.call("POST", "/v1/a1/sign", {
        pkcs12: base64Of(await file.arrayBuffer()), password: $("assinar-senha-arquivo").value, data: data.requestB64
      });
      await send(signed);
    }));
  }

  $("form-assinar").addEventListener("submit", agent.guarded(async function () {
    var pin = $("assinar-pin").value;
    var listed = await agent.call("POST", agent.tokenPath("/objects"), { pin: pin });
    var certificate = holderCertificate(listed.objects || []);
    if (!certificate) {
      agent.say("Não há nesta mídia um certificado deste titular. Conecte a mídia com o seu certificado atual.", "error");
      return;
    }
    var signed = await agent.call("POST", agent.tokenPath("/sign"), {
      pin: pin, key_id: certificate.id, data: data.requestB64
    });
    await send(signed);
  }));
  agent.reconnect();
})();
