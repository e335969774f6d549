// ReDoc under the portal's strict Content-Security-Policy (templates/drf_spectacular/redoc.html).
//
// ReDoc's bundle inserts <style> elements from script, some before it can be given the page's nonce: every style
// element a script inserts here gets the nonce this script was loaded with (markup injected into the page still gets
// none). Its side menu shows a logo from Redocly's CDN: never fetched (nothing loads from another origin), a blank
// image instead. Then ReDoc starts, with the nonce for the styles it makes later.
(function () {
  "use strict";
  var nonce = document.currentScript.nonce;
  var FOREIGN_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg";
  var BLANK = "data:image/gif;base64,R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw==";

  function local(value) {
    return String(value) === FOREIGN_LOGO ? BLANK : value;
  }
  var setAttribute = Element.prototype.setAttribute;
  Element.prototype.setAttribute = function (name, value) {
    return setAttribute.call(this, name, this instanceof HTMLImageElement && name === "src" ? local(value) : value);
  };
  var source = Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, "src");
  Object.defineProperty(HTMLImageElement.prototype, "src", {
    configurable: true,
    enumerable: source.enumerable,
    get: source.get,
    set: function (value) {
      source.set.call(this, local(value));
    },
  });

  function withNonce(node) {
    if (node instanceof HTMLStyleElement && !node.nonce) {
      node.nonce = nonce;
    }
    return node;
  }
  var appendChild = Node.prototype.appendChild;
  var insertBefore = Node.prototype.insertBefore;
  Node.prototype.appendChild = function (node) {
    return appendChild.call(this, withNonce(node));
  };
  Node.prototype.insertBefore = function (node, reference) {
    return insertBefore.call(this, withNonce(node), reference);
  };

  document.addEventListener("DOMContentLoaded", function () {
    var container = document.getElementById("redoc-container");
    window.Redoc.init(container.dataset.specUrl, { nonce: nonce }, container);
  });
})();
