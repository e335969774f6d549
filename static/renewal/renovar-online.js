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

  var agent = TecnoSignAgent.setup({
    onChoose: function () { $("secao-assinar").hidden = false; },
    onNone: function () { $("secao-assinar").hidden = true; }
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
    agent.say(answer.message, "success", { href: data.orderUrl, text: "Ver o pedido" });
  }));
  agent.reconnect();
})();
