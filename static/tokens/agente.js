/* TecnoSign — the self-service page (/token/): change the PIN or PUK, unblock the PIN, erase the media, through
 * the local agent (agente-base.js pairs with it and lists the tokens). */
(function () {
  "use strict";

  function $(id) { return document.getElementById(id); }
  var erasePreview = null;

  var agent = window.TecnoSignAgent && TecnoSignAgent.setup({
    onChoose: function () {
      erasePreview = null;
      $("apagar-detalhes").hidden = true;
      $("secao-operacoes").hidden = false;
    },
    onNone: function () { $("secao-operacoes").hidden = true; }
  });
  if (!agent) { return; }
  var AgentError = agent.AgentError;

  async function showErasePreview() {
    var preview = await agent.call("GET", agent.tokenPath("/erase"));
    erasePreview = preview;
    $("apagar-rotulo").textContent = preview.token_label || "(sem rótulo)";
    var list = $("apagar-lista");
    list.innerHTML = "";
    var items = preview.labels.length ? preview.labels : ["(nenhum objeto público; chaves privadas também serão apagadas)"];
    items.forEach(function (text) {
      var li = document.createElement("li");
      li.textContent = text || "(objeto sem rótulo)";
      list.appendChild(li);
    });
    $("apagar-detalhes").hidden = false;
  }

  var OPERATIONS = {
    pin: { path: "/pin", fields: ["pin", "new_pin"], again: "new_pin", done: "PIN trocado." },
    puk: { path: "/puk", fields: ["puk", "new_puk"], again: "new_puk", done: "PUK trocado." },
    unblock: { path: "/unblock", fields: ["puk", "new_pin"], again: "new_pin", done: "PIN desbloqueado e trocado." },
    erase: { path: "/erase", fields: ["puk", "label", "new_pin"], again: "new_pin", done: "Mídia apagada." }
  };

  async function runOperation(form) {
    var operation = OPERATIONS[form.dataset.operation];
    var payload = {};
    operation.fields.forEach(function (name) { payload[name] = form.elements[name].value; });
    var missing = operation.fields.filter(function (name) { return !payload[name]; });
    if (missing.length) { throw new AgentError({ message: "Preencha todos os campos." }); }
    if (payload[operation.again] !== form.elements[operation.again + "_again"].value) {
      throw new AgentError({ message: "A confirmação da nova senha não confere." });
    }
    if (form.dataset.operation === "erase") {
      if (!erasePreview) { throw new AgentError({ message: "Veja antes o que será apagado." }); }
      if (!form.elements.confirm.checked) {
        throw new AgentError({ message: "Marque a confirmação de que tudo o que está listado será apagado." });
      }
      payload.confirm_token_label = erasePreview.token_label;
      payload.confirm_labels = erasePreview.labels;
    }
    await agent.call("POST", agent.tokenPath(operation.path), payload);
    form.reset();
    agent.say(operation.done, "success");
    await agent.refreshTokens();
  }

  $("ver-apagar").addEventListener("click", agent.guarded(showErasePreview));
  Array.prototype.forEach.call(document.querySelectorAll("form[data-operation]"), function (form) {
    form.addEventListener("submit", agent.guarded(function () { return runOperation(form); }));
  });
  agent.reconnect();
})();
