/* TecnoSign — A3 issuance on the customer's token, from the order's installation page (/pedido/<n>/instalar/).
 * The issuance password goes to the portal, the PIN only to the local agent (agente-base.js):
 *   portal: check the issuance password → the subject the CSR must carry
 *   agent:  RSA key pair on the token → CSR signed on the token
 *   portal: the CSR → the certificate (the order becomes "issued")
 *   agent:  the certificate written on the token, next to its key (same CKA_ID)
 * Whatever fails, the page says what happened to the order and to the token, and what to do next. */
(function () {
  "use strict";

  function $(id) { return document.getElementById(id); }
  var root = $("agente");
  if (!root || !window.TecnoSignAgent) { return; }
  var urls = root.dataset;
  var csrf = root.querySelector("[name=csrfmiddlewaretoken]").value;
  var issued = root.dataset.state === "issued";
  var installed = false;

  function showSteps() {
    $("secao-instalar").hidden = issued || installed;
    $("secao-regravar").hidden = !issued || installed;
  }

  var agent = TecnoSignAgent.setup({
    onChoose: showSteps,
    onNone: function () { $("secao-instalar").hidden = true; $("secao-regravar").hidden = true; }
  });
  if (!agent) { return; }

  /* An error for the page: the message, and where to go about it. */
  function Problem(message, link) {
    this.message = message;
    this.link = link;
  }

  async function portal(method, url, payload) {
    var response;
    try {
      response = await fetch(url, {
        method: method,
        headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf },
        body: payload ? JSON.stringify(payload) : undefined,
        credentials: "same-origin", cache: "no-store"
      });
    } catch (e) {
      throw new Problem("Não foi possível falar com o portal. Confira a sua conexão com a internet e tente de novo.");
    }
    var data;
    try { data = await response.json(); } catch (e) { data = {}; }
    if (!response.ok) {
      throw new Problem(data.message || ("O portal recusou a operação (HTTP " + response.status + ")."));
    }
    return data;
  }

  function mark(step, status) {
    var item = $("progresso").querySelector("[data-step=" + step + "]");
    item.className = status;
    if (status === "current") { item.setAttribute("aria-current", "step"); } else { item.removeAttribute("aria-current"); }
  }

  /* Runs one step; on failure marks it and turns the error into what the person must know at that point. */
  async function step(name, action, explain) {
    mark(name, "current");
    try {
      var result = await action();
      mark(name, "done");
      return result;
    } catch (error) {
      mark(name, "failed");
      throw explain(error);
    }
  }

  function pinHelp(error) {
    if (error.code === "pin_incorrect" || error.code === "pin_locked") {
      return { href: urls.helpUrl, text: "Desbloquear ou trocar o PIN da mídia" };
    }
    return null;
  }

  function showInstalled(certificate) {
    installed = true;
    $("instalado-serie").textContent = certificate.serial;
    $("instalado-inicio").textContent = certificate.not_before;
    $("instalado-fim").textContent = certificate.not_after;
    $("instalado").hidden = false;
    showSteps();
  }

  async function install(form) {
    var password = form.elements.password.value, pin = form.elements.pin.value;
    if (!password || !pin) { throw new Problem("Digite a senha de emissão e o PIN da mídia."); }
    Array.prototype.forEach.call($("progresso").children, function (item) { item.className = ""; });
    $("progresso").hidden = false;
    var nothingIssued = " Nada foi emitido: o pedido continua liberado e você pode tentar de novo.";

    var request = await step("senha", function () {
      return portal("POST", urls.authoriseUrl, { password: password });
    }, function (error) { return new Problem(error.message + " Nada foi feito na mídia."); });

    var key = await step("chave", function () {
      return agent.call("POST", agent.tokenPath("/keys"), { pin: pin, label: request.key_label });
    }, function (error) { return new Problem(error.message + nothingIssued, pinHelp(error)); });

    var keyLeft = " A chave gerada nesta tentativa (“" + request.key_label + "”) ficou na mídia sem certificado: ela " +
      "não atrapalha o uso da mídia.";
    var csr = await step("csr", function () {
      return agent.call("POST", agent.tokenPath("/csr"), { pin: pin, key_id: key.key_id, subject: request.subject });
    }, function (error) { return new Problem(error.message + nothingIssued + keyLeft, pinHelp(error)); });

    var certificate = await step("emissao", function () {
      return portal("POST", urls.csrUrl, { csr: csr.csr });
    }, function (error) { return new Problem(error.message + nothingIssued + keyLeft); });

    // From here the order is issued: a failure only means the certificate must be written again.
    issued = true;
    form.reset();
    await step("gravacao", function () {
      return agent.call("POST", agent.tokenPath("/certificates"), { pin: pin, certificate: certificate.certificate, chain: certificate.chain });
    }, function (error) {
      showSteps();
      return new Problem("O certificado foi emitido (número de série " + certificate.serial + "), mas não foi " +
        "gravado na mídia: " + error.message + " Não gere outra chave: com a mesma mídia conectada, use “Gravar o " +
        "certificado na mídia” abaixo.", pinHelp(error));
    });
    showInstalled(certificate);
    agent.say("Certificado emitido e gravado na mídia.", "success", { href: urls.orderUrl, text: "Ver o pedido" });
  }

  async function writeAgain(form) {
    var pin = form.elements.pin.value;
    if (!pin) { throw new Problem("Digite o PIN da mídia."); }
    var certificate = await portal("GET", urls.certificateUrl);
    try {
      await agent.call("POST", agent.tokenPath("/certificates"), { pin: pin, certificate: certificate.certificate, chain: certificate.chain });
    } catch (error) {
      throw new Problem(error.message, pinHelp(error));
    }
    form.reset();
    showInstalled(certificate);
    agent.say("Certificado gravado na mídia.", "success", { href: urls.orderUrl, text: "Ver o pedido" });
  }

  var installForm = $("form-instalar"), againForm = $("form-regravar");
  installForm.addEventListener("submit", agent.guarded(function () { return install(installForm); }));
  againForm.addEventListener("submit", agent.guarded(function () { return writeAgain(againForm); }));
  agent.reconnect();
})();
