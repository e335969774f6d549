// The browser bundle of PKI.js for the A1 issuance page (static/issuance/emitir.js): `npm run build` writes it to
// static/vendor/pki.js, served by Django's staticfiles as window.TecnoSignPki = {asn1js, pkijs}. Nothing else is
// loaded from outside the portal: no CDN.
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";

export { asn1js, pkijs };
