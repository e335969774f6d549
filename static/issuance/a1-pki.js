/* TecnoSign — the A1 key pair, its certificate request (PKCS#10) and its file (PKCS#12), made in the customer's
 * browser with Web Crypto and PKI.js (static/vendor/pki.js: window.TecnoSignPki, built by `npm run build`).
 *
 * The private key is generated here and never leaves the page: it signs the request (only the public key and the
 * signature go to the portal), then goes into the PKCS#12 under the password the customer chose on the page — key
 * bag and certificates in PBES2 (AES-256-CBC, PBKDF2-HMAC-SHA256) and an HMAC-SHA256 MAC, all at the iteration
 * count the portal gives (issuance/services/a1.py) — and the page drops it. The customer's password is never sent. */
window.TecnoSignA1Pki = (function () {
  "use strict";

  var NAME_OIDS = {
    C: "2.5.4.6", ST: "2.5.4.8", L: "2.5.4.7", O: "2.5.4.10", OU: "2.5.4.11", CN: "2.5.4.3", SERIALNUMBER: "2.5.4.5"
  };
  var KEY_BAG = "1.2.840.113549.1.12.10.1.2";  // pkcs8ShroudedKeyBag
  var CERT_BAG = "1.2.840.113549.1.12.10.1.3";  // certBag
  var FRIENDLY_NAME = "1.2.840.113549.1.9.20";
  var LOCAL_KEY_ID = "1.2.840.113549.1.9.21";
  var RSA = { name: "RSASSA-PKCS1-v1_5", publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" };

  function library() {
    if (!window.TecnoSignPki) { throw new Error("A biblioteca de criptografia da página não carregou."); }
    return window.TecnoSignPki;
  }

  /* Whether this browser can try: Web Crypto exists only in a secure context (HTTPS, or the loopback address). */
  function available() {
    return !!(window.isSecureContext && window.crypto && crypto.subtle && crypto.subtle.generateKey &&
      window.TecnoSignPki);
  }

  /* An RSA key pair of `bits`; extractable, because the private key must go into the PKCS#12 file. */
  function generateKeyPair(bits) {
    return crypto.subtle.generateKey(Object.assign({ modulusLength: bits }, RSA), true, ["sign", "verify"]);
  }

  function base64(bytes) {
    var view = new Uint8Array(bytes), text = "";
    for (var i = 0; i < view.length; i += 0x8000) {
      text += String.fromCharCode.apply(null, view.subarray(i, i + 0x8000));
    }
    return btoa(text);
  }

  function pem(label, der) {
    var lines = base64(der).match(/.{1,64}/g).join("\n");
    return "-----BEGIN " + label + "-----\n" + lines + "\n-----END " + label + "-----\n";
  }

  function derFromPem(text) {
    var body = String(text).replace(/-----[^-]+-----/g, "").replace(/\s+/g, "");
    var raw = atob(body), bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
    return bytes.buffer;
  }

  /* [["C", "BR"], …, ["CN", "NOME:CPF"]] as a Name with one attribute per RDN, in that order. (PKI.js would put
   * every attribute in one multi-valued RDN, so the SEQUENCE of SETs is built here and parsed back.) */
  function distinguishedName(pairs) {
    var lib = library(), asn1js = lib.asn1js, pkijs = lib.pkijs;
    var rdns = pairs.map(function (pair) {
      var attribute = String(pair[0]).toUpperCase(), type = NAME_OIDS[attribute];
      if (!type) { throw new Error("Atributo de nome desconhecido no titular: " + pair[0]); }
      var value = attribute === "C" || attribute === "SERIALNUMBER"
        ? new asn1js.PrintableString({ value: pair[1] }) : new asn1js.Utf8String({ value: pair[1] });
      return new asn1js.Set({ value: [new pkijs.AttributeTypeAndValue({ type: type, value: value }).toSchema()] });
    });
    var der = new asn1js.Sequence({ value: rdns }).toBER(false);
    return new pkijs.RelativeDistinguishedNames({ schema: asn1js.fromBER(der).result });
  }

  /* The PKCS#10 request (PEM) for `keys`, with the subject the portal gave, signed with SHA-256. */
  async function certificationRequest(keys, subject) {
    var pkijs = library().pkijs;
    var request = new pkijs.CertificationRequest();
    request.version = 0;
    request.subject = distinguishedName(subject);
    request.attributes = [];  // PKCS#10's attributes field is not optional, even when empty
    await request.subjectPublicKeyInfo.importKey(keys.publicKey);
    await request.sign(keys.privateKey, "SHA-256");
    return pem("CERTIFICATE REQUEST", request.toSchema().toBER(false));
  }

  function certificate(text) {
    var lib = library(), parsed = lib.asn1js.fromBER(derFromPem(text));
    if (parsed.offset === -1) { throw new Error("O portal devolveu um certificado ilegível."); }
    return new lib.pkijs.Certificate({ schema: parsed.result });
  }

  function bag(type, value, attributes) {
    return new (library().pkijs.SafeBag)({ bagId: type, bagValue: value, bagAttributes: attributes });
  }

  /* The PKCS#12 file (bytes): the key, the holder's certificate and the chain (issuer first, up to the root).
   * options: keys, certificate (PEM), chain ([PEM]), password (the customer's), friendlyName, iterations. */
  async function pkcs12(options) {
    var lib = library(), pkijs = lib.pkijs, asn1js = lib.asn1js;
    var holder = certificate(options.certificate);
    var chain = (options.chain || []).map(certificate);
    // Key and certificate carry the same localKeyId (the certificate's SHA-1, as OpenSSL writes it) and the same
    // name: Windows and OpenSSL pair them by it.
    var keyId = await crypto.subtle.digest("SHA-1", derFromPem(options.certificate));
    function holderAttributes() {
      return [
        new pkijs.Attribute({ type: FRIENDLY_NAME, values: [new asn1js.BmpString({ value: options.friendlyName })] }),
        new pkijs.Attribute({ type: LOCAL_KEY_ID, values: [new asn1js.OctetString({ valueHex: keyId })] })
      ];
    }
    var password = new TextEncoder().encode(options.password).buffer;
    var pbes2 = {
      password: password,
      contentEncryptionAlgorithm: { name: "AES-CBC", length: 256 },
      hmacHashAlgorithm: "SHA-256",
      iterationCount: options.iterations
    };
    var pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", options.keys.privateKey));
    try {
      var keyInfo = new pkijs.PrivateKeyInfo({ schema: asn1js.fromBER(pkcs8.buffer).result });
      var keyBag = new pkijs.PKCS8ShroudedKeyBag({ parsedValue: keyInfo });
      var certificates = [bag(CERT_BAG, new pkijs.CertBag({ parsedValue: holder }), holderAttributes())]
        .concat(chain.map(function (authority) { return bag(CERT_BAG, new pkijs.CertBag({ parsedValue: authority })); }));
      var pfx = new pkijs.PFX({
        parsedValue: {
          integrityMode: 0,  // a password MAC
          authenticatedSafe: new pkijs.AuthenticatedSafe({
            parsedValue: {
              safeContents: [
                { privacyMode: 0, value: new pkijs.SafeContents({ safeBags: [bag(KEY_BAG, keyBag, holderAttributes())] }) },
                { privacyMode: 1, value: new pkijs.SafeContents({ safeBags: certificates }) }
              ]
            }
          })
        }
      });
      await keyBag.makeInternalValues(pbes2);
      await pfx.parsedValue.authenticatedSafe.makeInternalValues({ safeContents: [{}, Object.assign({}, pbes2)] });
      await pfx.makeInternalValues({
        password: password, iterations: options.iterations, pbkdf2HashAlgorithm: "SHA-256", hmacHashAlgorithm: "SHA-256"
      });
      return new Uint8Array(pfx.toSchema().toBER(false));
    } finally {
      pkcs8.fill(0);  // the clear PKCS#8 this function exported; the garbage collector takes the rest
      new Uint8Array(password).fill(0);
    }
  }

  return {
    available: available,
    generateKeyPair: generateKeyPair,
    certificationRequest: certificationRequest,
    pkcs12: pkcs12
  };
})();
