/* TecnoSign — A1 issuance through the local agent (/pedido/<n>/emitir/agente/), for a browser that cannot make the
 * key itself. The issuance password goes to the portal; the file's password only to the agent (agente-base.js):
 *   portal: check the issuance password → the subject, the key size, the file's name and iterations
 *   agent:  RSA key pair in software on this computer → the certificate request
 *   portal: the request → the certificate and its chain (the order becomes "issued")
 *   agent:  the .pfx written in its folder with the customer's password; the agent forgets the key
 * Whatever fails, the page says what happened to the order and to the key, and what to do next. */
(function () {
  "use strict";

  function $(id) { return document.getElementById(id); }
  var root = $("agente");
  if (!root || !window.TecnoSignAgent) { return; }
  var urls = root.dataset;
  var csrf = root.querySelector("[name=csrfmiddlewaretoken]").value;
  var MIN_FILE_PASSWORD = 8;
  var pending = null;  // an issued certificate whose file is still to be written: {key_id, certificate, delivery}

  var agent = TecnoSignAgent.setup({
    onConnect: function () { $("secao-a1").hidden = false; },
    onNone: function () { $("secao-a1").hidden = true; }
  });
  if (!agent) { return; }

  function Problem(message, link) {
    this.message = message;
    this.link = link;
  }

  async function portal(url, payload) {
    var response;
    try {
      response = await fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify(payload),
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

  async function writeFile(password) {
    var written = await step("arquivo", function () {
      return agent.call("POST", "/v1/a1/keys/" + pending.key_id + "/pkcs12", {
        certificate: pending.certificate.certificate, chain: pending.certificate.chain, password: password,
        friendly_name: pending.delivery.friendly_name, filename: pending.delivery.filename,
        kdf_rounds: pending.delivery.kdf_rounds
      });
    }, function (error) {
      $("regravar").hidden = error.code === "key_not_found";
      var what = error.code === "key_not_found"
        ? " Sem a chave, o certificado não pode ser usado: abra a página de emissão para pedir a reemissão sem custo."
        : " A chave continua no agente por até 30 minutos: corrija o problema e use “Gravar o arquivo de novo”, sem " +
          "fechar o agente.";
      return new Problem("O certificado foi emitido (número de série " + pending.certificate.serial + "), mas o " +
        "arquivo não foi gravado: " + error.message + what,
        error.code === "key_not_found" ? { href: urls.issueUrl, text: "Abrir a página de emissão" } : null);
    });
    $("gravado-serie").textContent = pending.certificate.serial;
    $("gravado-fim").textContent = pending.certificate.not_after;
    $("gravado-caminho").textContent = written.path;
    $("gravado").hidden = false;
    $("secao-a1").hidden = true;
    pending = null;
    agent.say("Certificado emitido e gravado em " + written.path + ".", "success");
  }

  async function issue(form) {
    var elements = form.elements;
    var password = elements.password.value, filePassword = elements.file_password.value;
    if (!password) { throw new Problem("Digite a senha de emissão."); }
    if (filePassword.length < MIN_FILE_PASSWORD) {
      throw new Problem("Escolha uma senha para o arquivo com pelo menos " + MIN_FILE_PASSWORD + " caracteres.");
    }
    if (filePassword !== elements.file_password_confirm.value) { throw new Problem("As senhas do arquivo não conferem."); }
    if (!elements.understood.checked) {
      throw new Problem("Confirme que vai guardar o arquivo: ele não pode ser gerado de novo.");
    }
    Array.prototype.forEach.call($("progresso").children, function (item) { item.className = ""; });
    $("progresso").hidden = false;
    var nothingIssued = " Nada foi emitido: o pedido continua liberado e você pode tentar de novo.";

    var delivery = await step("senha", function () {
      return portal(urls.authoriseUrl, { password: password });
    }, function (error) { return error; });

    var key = await step("chave", function () {
      return agent.call("POST", "/v1/a1/keys", { subject: delivery.subject, bits: delivery.key_bits });
    }, function (error) { return new Problem(error.message + nothingIssued); });

    var certificate = await step("emissao", function () {
      return portal(urls.csrUrl, { csr: key.csr });
    }, function (error) { return new Problem(error.message + nothingIssued); });

    pending = { key_id: key.key_id, certificate: certificate, delivery: delivery };
    form.elements.password.value = "";
    await writeFile(filePassword);
    form.reset();
  }

  var form = $("form-a1-agente");
  form.addEventListener("submit", agent.guarded(function () { return issue(form); }));
  $("a1a-regravar").addEventListener("click", agent.guarded(function () {
    if (!pending) { return null; }
    return writeFile(form.elements.file_password.value);
  }));
  agent.reconnect();
})();
