// After django-otp-webauthn registers a passkey, go where the server says (the recovery codes, shown once).
document.addEventListener("otp_webauthn.register_complete", (event) => {
  const target = event.detail && event.detail.response && event.detail.response.redirect_url;
  if (target) window.location.assign(target);
});
