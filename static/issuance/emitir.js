/* TecnoSign — A1 issuance from the order's issuance page (/pedido/<n>/emitir/), with a1-pki.js:
 *   browser: RSA key pair (Web Crypto)
 *   portal:  check the issuance password → the subject, the iterations and the name of the file
 *   browser: the certificate request, signed with the key → portal: the certificate and its chain
 *   browser: the .pfx with the password chosen here, saved; the key is dropped
 * The file's password and the private key never leave this page. Whatever fails, the page says what happened to the
 * order and what to do next. */
(function () {
  "use strict";

  function $(id) { return document.getElementById(id); }
  var root = $("emissao-a1");
  if (!root) { return; }
  var urls = root.dataset;
  var form = $("form-a1");
  var csrf = form.querySelector("[name=csrfmiddlewaretoken]").value;
  var MIN_FILE_PASSWORD = 8;
  var running = false;
  var saved = null;  // the file made (encrypted with the customer's password), to save again while the page is open

  /* An error for the page: the message, the field it belongs to, and whether the order was issued already. */
  function Problem(message, field, code) {
    this.message = message;
    this.field = field || null;
    this.code = code || null;
  }

  function say(text, kind) {
    var box = $("a1-mensagem");
    box.innerHTML = "";
    if (!text) { return; }
    var div = document.createElement("div");
    div.className = "alert alert-" + (kind || "info");
    if (kind === "error") { div.setAttribute("role", "alert"); }
    div.textContent = text;
    box.appendChild(div);
    box.scrollIntoView({ block: "nearest" });
  }

  // -- the form's errors, tied to their fields as the server-rendered forms do ----------------------------------

  function clearErrors() {
    Array.prototype.forEach.call(form.querySelectorAll(".errorlist"), function (list) { list.remove(); });
    Array.prototype.forEach.call(form.querySelectorAll("[aria-invalid]"), function (input) {
      input.removeAttribute("aria-invalid");
      var ids = (input.getAttribute("aria-describedby") || "").split(/\s+/).filter(function (id) {
        return id && id !== input.id + "_error";
      });
      if (ids.length) { input.setAttribute("aria-describedby", ids.join(" ")); } else { input.removeAttribute("aria-describedby"); }
      input.closest(".field").classList.remove("has-error");
    });
  }

  function fieldError(input, message) {
    var list = document.createElement("ul");
    list.className = "errorlist";
    list.id = input.id + "_error";
    var item = document.createElement("li");
    item.textContent = message;
    list.appendChild(item);
    var box = input.closest(".field");
    (input.type === "checkbox" ? box.querySelector("div") : box).appendChild(list);
    box.classList.add("has-error");
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", ((input.getAttribute("aria-describedby") || "") + " " + list.id).trim());
  }

  function invalid(errors) {
    errors.forEach(function (error) { fieldError(error[0], error[1]); });
    say("Confira os campos destacados abaixo.", "error");
    errors[0][0].focus();
  }

  function validate() {
    var errors = [];
    var elements = form.elements;
    if (!elements.password.value) { errors.push([elements.password, "Digite a senha de emissão."]); }
    if (elements.file_password.value.length < MIN_FILE_PASSWORD) {
      errors.push([elements.file_password, "Escolha uma senha para o arquivo com pelo menos " + MIN_FILE_PASSWORD +
        " caracteres."]);
    } else if (elements.file_password.value !== elements.file_password_confirm.value) {
      errors.push([elements.file_password_confirm, "As senhas do arquivo não conferem."]);
    }
    if (!elements.understood.checked) {
      errors.push([elements.understood, "Confirme que vai guardar o arquivo: ele não pode ser gerado de novo."]);
    }
    return errors;
  }

  // -- the portal ---------------------------------------------------------------------------------------------

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
      var field = data.errors && data.errors[0] && data.errors[0].field;
      throw new Problem(data.message || ("O portal recusou a operação (HTTP " + response.status + ")."), field, data.code);
    }
    return data;
  }

  // -- progress -----------------------------------------------------------------------------------------------

  function mark(step, status) {
    var item = $("a1-progresso").querySelector("[data-step=" + step + "]");
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

  function offerAlternatives() {
    $("a1-sem-webcrypto").hidden = false;
  }

  function keepPageOpen(event) {
    event.preventDefault();
    event.returnValue = "";
  }

  // -- the file -----------------------------------------------------------------------------------------------

  function save() {
    var url = URL.createObjectURL(new Blob([saved.bytes], { type: "application/x-pkcs12" }));
    var link = document.createElement("a");
    link.href = url;
    link.download = saved.filename;
    link.hidden = true;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
  }

  var downloads = 0;

  function countDownload() {
    downloads += 1;
    $("a1-vezes").textContent = downloads === 1 ? "uma vez" : downloads + " vezes";
  }

  function showIssued(certificate, filename) {
    clearErrors();  // no earlier refusal (a wrong issuance password) stays on the page of a success
    $("a1-serie").textContent = certificate.serial;
    $("a1-inicio").textContent = certificate.not_before;
    $("a1-fim").textContent = certificate.not_after;
    $("a1-arquivo").textContent = filename;
    $("a1-secao-emitir").hidden = true;
    $("a1-intro").hidden = true;  // what is about to happen: done now
    $("a1-pronto").hidden = false;
    $("h-a1-pronto").focus();
  }

  // -- issuance -----------------------------------------------------------------------------------------------

  async function issue() {
    var elements = form.elements;
    var password = elements.password.value, filePassword = elements.file_password.value;
    var nothingIssued = " Nada foi emitido: o pedido continua liberado e você pode tentar de novo.";
    Array.prototype.forEach.call($("a1-progresso").children, function (item) { item.className = ""; });
    $("a1-progresso").hidden = false;
    say("Aguarde: não feche esta página até o arquivo ser salvo.", "info");

    var keys = await step("chave", function () {
      return TecnoSignA1Pki.generateKeyPair(Number(urls.keyBits));
    }, function () {
      offerAlternatives();
      return new Problem("Este navegador não conseguiu gerar a chave RSA do certificado." + nothingIssued);
    });
    try {
      var delivery = await step("senha", function () {
        return portal(urls.authoriseUrl, { password: password });
      }, function (error) { return error; });

      var certificate = await step("emissao", async function () {
        var request = await TecnoSignA1Pki.certificationRequest(keys, delivery.subject);
        return portal(urls.csrUrl, { csr: request });
      }, function (error) {
        return new Problem(error.message + (error.code === "already_issued" ? "" : nothingIssued), error.field, error.code);
      });

      // From here the certificate is issued and its key is only in this page: it must reach the file now.
      window.addEventListener("beforeunload", keepPageOpen);
      var bytes = await step("arquivo", function () {
        return TecnoSignA1Pki.pkcs12({
          keys: keys, certificate: certificate.certificate, chain: certificate.chain, password: filePassword,
          friendlyName: delivery.friendly_name, iterations: delivery.kdf_rounds
        });
      }, function (error) {
        return new Problem("O certificado foi emitido (número de série " + certificate.serial + "), mas o arquivo não " +
          "pôde ser montado neste navegador (" + (error.message || error) + "). Sem o arquivo, a chave se perde: " +
          "recarregue a página para ver como pedir a reemissão sem custo.", null, "file_failed");
      });
      saved = { bytes: bytes, filename: delivery.filename };
      save();
      countDownload();
      window.removeEventListener("beforeunload", keepPageOpen);
      showIssued(certificate, delivery.filename);
      say("", null);  // the success section says it all, and no earlier error stays above it
    } finally {
      keys = null;  // the only references to the key pair: from here the garbage collector has it
    }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    form.dataset.attempts = String(Number(form.dataset.attempts || 0) + 1);
    if (running) { return; }
    clearErrors();
    var errors = validate();
    if (errors.length) { invalid(errors); return; }
    running = true;
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    issue().then(function () {
      form.reset();
    }, function (error) {
      var input = error.field === "password" ? form.elements.password : null;
      if (input) {
        fieldError(input, error.message);
        say("A senha de emissão não foi aceita.", "error");
        input.focus();
      } else {
        say(error.message || String(error), "error");
      }
      if (error.code === "already_issued" || error.code === "file_failed") { form.hidden = true; }
    }).then(function () {
      running = false;
      button.disabled = false;
    });
  });

  $("a1-salvar-de-novo").addEventListener("click", function () { if (saved) { save(); countDownload(); } });

  if (!window.TecnoSignA1Pki || !TecnoSignA1Pki.available()) {
    form.hidden = true;
    offerAlternatives();
  }
})();
