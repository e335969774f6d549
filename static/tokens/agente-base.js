/* TecnoSign — the customer's browser talks to the local agent on their own computer.
 * Each request is signed with the pairing secret (HMAC-SHA256, Web Crypto), exactly as tokens/agent/protocol.py
 * describes; each answer's signature is checked before it is believed. PINs and PUKs go only to the agent.
 * This file pairs with the agent and lists the tokens (templates/tokens/includes/agent_connect.html); each page
 * adds its own operations on top: agente.js (PIN, PUK, erase), instalar.js (A3 issuance on the token) and
 * emitir-a1-agente.js (an A1 key made by the agent; that page lists no tokens). */
window.TecnoSignAgent = (function () {
  "use strict";

  var encoder = new TextEncoder();
  // The pairing (agent URL and code) lives in sessionStorage only: it goes with the tab. The pairing code opens the
  // agent, so it is never written to localStorage (on disk, for anyone who uses the computer later); "lembrar"
  // keeps just the agent's address there.
  var STORAGE_KEY = "tecnosign-agente";
  var URL_KEY = "tecnosign-agente-endereco";

  function $(id) { return document.getElementById(id); }

  function AgentError(error) {
    this.message = (error && error.message) || "O agente recusou a operação.";
    this.code = error && error.code;
    this.field = error && error.field;
  }

  function secretFromCode(code) {
    var text = (code || "").replace(/[\s-]/g, "").toUpperCase();
    if (!/^[A-Z2-7]{32}$/.test(text)) {
      throw new AgentError({ message: "O código de pareamento tem 32 letras (A–Z) e algarismos (2–7), em grupos de 4." });
    }
    var alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", bits = 0, value = 0, out = [];
    for (var i = 0; i < text.length; i++) {
      value = (value << 5) | alphabet.indexOf(text[i]);
      bits += 5;
      if (bits >= 8) { out.push((value >>> (bits - 8)) & 255); bits -= 8; }
    }
    return new Uint8Array(out);
  }

  function hex(buffer) {
    return Array.prototype.map.call(new Uint8Array(buffer), function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function sha256Hex(bytes) { return crypto.subtle.digest("SHA-256", bytes).then(hex); }

  function newNonce() {
    var bytes = crypto.getRandomValues(new Uint8Array(18));
    return btoa(String.fromCharCode.apply(null, bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  /* hooks: onChoose(token) when a token is picked, onNone() when there is none (or the pairing is forgotten),
   * onConnect(status) once paired. */
  function setup(hooks) {
    var root = $("agente");
    if (!root) { return null; }
    hooks = hooks || {};
    var state = { url: "", key: null, tokens: [], serial: null };

    /* A message for the person; `link` ({href, text}) points to where the problem is solved. */
    function say(text, kind, link) {
      var box = $("agente-mensagem");
      box.innerHTML = "";
      if (!text) { return null; }
      var div = document.createElement("div");
      div.className = "alert alert-" + (kind || "info");
      div.textContent = text;
      if (link) {
        var anchor = document.createElement("a");
        anchor.href = link.href;
        anchor.textContent = link.text;
        div.appendChild(document.createTextNode(" "));
        div.appendChild(anchor);
      }
      box.appendChild(div);
      box.scrollIntoView({ block: "nearest" });
      return div;
    }

    function hmacHex(text) {
      return crypto.subtle.sign("HMAC", state.key, encoder.encode(text)).then(hex);
    }

    async function call(method, path, payload) {
      if (!state.key) { throw new AgentError({ message: "Conecte o agente primeiro (passo 1)." }); }
      var body = payload ? JSON.stringify(payload) : "";
      var timestamp = String(Math.floor(Date.now() / 1000));
      var nonce = newNonce();
      var canonical = ["TSAGENT1", method, path, timestamp, nonce, await sha256Hex(encoder.encode(body))].join("\n");
      var headers = {
        "X-TecnoSign-Timestamp": timestamp,
        "X-TecnoSign-Nonce": nonce,
        "X-TecnoSign-Signature": await hmacHex(canonical)
      };
      if (payload) { headers["Content-Type"] = "application/json"; }
      var response;
      try {
        response = await fetch(state.url + path, {
          method: method, headers: headers, body: payload ? body : undefined,
          mode: "cors", credentials: "omit", cache: "no-store"
        });
      } catch (e) {
        throw new AgentError({ message: "Não foi possível falar com o agente em " + state.url +
          ". Confira se ele está em execução neste computador." });
      }
      var raw = await response.arrayBuffer();
      var answerCanonical = ["TSAGENT1-RESPONSE", nonce, String(response.status), await sha256Hex(raw)].join("\n");
      var signed = response.headers.get("X-TecnoSign-Signature") === await hmacHex(answerCanonical);
      var data;
      try { data = JSON.parse(new TextDecoder().decode(raw) || "{}"); } catch (e) { data = {}; }
      if (!response.ok) { throw new AgentError(data.error); }
      if (!signed) {
        throw new AgentError({ message: "A resposta não veio do agente pareado. Refaça o pareamento." });
      }
      return data;
    }

    function tokenPath(suffix) { return "/v1/tokens/" + encodeURIComponent(state.serial) + suffix; }

    function selected() {
      return state.tokens.filter(function (t) { return t.serial === state.serial; })[0] || null;
    }

    // -- pairing --------------------------------------------------------------------------------------

    async function connect(url, code, remember) {
      state.url = url.replace(/\/+$/, "");
      state.key = await crypto.subtle.importKey("raw", secretFromCode(code), { name: "HMAC", hash: "SHA-256" },
        false, ["sign"]);
      var status = await call("GET", "/v1/status");
      sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ url: state.url, code: code }));
      if (remember) { localStorage.setItem(URL_KEY, state.url); } else { localStorage.removeItem(URL_KEY); }
      $("agente-esquecer").hidden = false;
      if ($("secao-midias")) { await refreshTokens(); }  // the list is there by the time the page says it is connected
      var module = [status.module.description, status.module.version].filter(Boolean).join(" ");
      say("Agente conectado (" + module + ").", "success");
      if (hooks.onConnect) { hooks.onConnect(status); }
    }

    function forget() {
      localStorage.removeItem(URL_KEY);
      sessionStorage.removeItem(STORAGE_KEY);
      state.key = null;
      $("agente-codigo").value = "";
      $("agente-esquecer").hidden = true;
      if ($("secao-midias")) { $("secao-midias").hidden = true; }
      if (hooks.onNone) { hooks.onNone(); }
      say("Pareamento esquecido neste navegador.", "info");
    }

    // -- tokens ---------------------------------------------------------------------------------------

    async function refreshTokens() {
      var data = await call("GET", "/v1/tokens");
      state.tokens = data.tokens;
      var list = $("lista-midias");
      list.innerHTML = "";
      $("secao-midias").hidden = false;
      if (!state.tokens.length) {
        list.textContent = "Nenhuma mídia encontrada. Conecte o token ou o cartão e clique em “Atualizar a lista”.";
        state.serial = null;
        if (hooks.onNone) { hooks.onNone(); }
        return;
      }
      if (!selected()) { state.serial = null; }
      state.tokens.forEach(function (token, index) {
        var id = "midia-" + index;
        var wrapper = document.createElement("div");
        wrapper.className = "field field-check";
        var input = document.createElement("input");
        input.type = "radio"; input.name = "midia"; input.id = id; input.value = token.serial;
        input.checked = token.serial === state.serial || (!state.serial && index === 0);
        input.addEventListener("change", function () { choose(token.serial); });
        var label = document.createElement("label");
        label.htmlFor = id;
        label.textContent = (token.label || "(sem rótulo)") + " — " + token.manufacturer + " " + token.model +
          ", série " + token.serial;
        var flags = document.createElement("span");
        flags.className = "helptext";
        flags.textContent = token.flags.map(function (flag) { return flag.text; }).join(" · ");
        var text = document.createElement("div");
        text.appendChild(label); text.appendChild(flags);
        wrapper.appendChild(input); wrapper.appendChild(text);
        list.appendChild(wrapper);
        if (input.checked) { choose(token.serial); }
      });
    }

    function choose(serial) {
      state.serial = serial;
      var token = selected();
      Array.prototype.forEach.call(document.querySelectorAll("[data-midia-escolhida]"), function (node) {
        node.textContent = token ? (token.label || token.serial) : serial;
      });
      if (hooks.onChoose) { hooks.onChoose(token); }
    }

    /* Runs `action` for an event: the button is disabled meanwhile, and a failure is said in words. */
    function guarded(action) {
      return function (event) {
        if (event) { event.preventDefault(); }
        var button = event && event.submitter;
        if (button) { button.disabled = true; }
        var waiting = say("Aguarde…", "info");
        return Promise.resolve().then(action).then(function () {
          if (waiting.isConnected) { say(""); }  // the action said nothing of its own
        }, function (error) {
          say(error.message || String(error), "error", error.link);
        }).then(function () { if (button) { button.disabled = false; } });
      };
    }

    // -- wiring ---------------------------------------------------------------------------------------

    localStorage.removeItem(STORAGE_KEY);  // where earlier versions of this page kept the code: wiped on sight
    var saved = JSON.parse(sessionStorage.getItem(STORAGE_KEY) || "null");
    var rememberedUrl = localStorage.getItem(URL_KEY);
    $("agente-url").value = (saved && saved.url) || rememberedUrl || root.dataset.defaultUrl;
    $("agente-lembrar").checked = !!rememberedUrl;
    if (saved) { $("agente-codigo").value = saved.code; }
    if (!window.crypto || !crypto.subtle) {
      say("Este navegador não permite falar com o agente (é preciso HTTPS e um navegador atualizado).", "error");
      return null;
    }
    $("form-conectar").addEventListener("submit", guarded(function () {
      return connect($("agente-url").value, $("agente-codigo").value, $("agente-lembrar").checked);
    }));
    $("agente-esquecer").addEventListener("click", forget);
    if ($("atualizar-midias")) { $("atualizar-midias").addEventListener("click", guarded(refreshTokens)); }

    var api = {
      call: call, tokenPath: tokenPath, say: say, guarded: guarded, selected: selected,
      refreshTokens: refreshTokens, AgentError: AgentError
    };
    api.reconnect = function () {
      if (saved) { guarded(function () { return connect(saved.url, saved.code, !!localStorage.getItem(URL_KEY)); })(); }
    };
    return api;
  }

  return { setup: setup, AgentError: AgentError };
})();
