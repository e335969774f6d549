from django.urls import path
from django.views.i18n import JavaScriptCatalog

from . import views, views_webauthn

app_name = "accounts"

urlpatterns = [
    path("segundo-fator/", views.enrol, name="enrol"),
    path("segundo-fator/verificar/", views.verify, name="verify"),
    path("segundo-fator/codigos/", views.recovery_codes, name="recovery-codes"),
    path("segundo-fator/remover/<str:kind>/<int:pk>/", views.factor_delete, name="factor-remove"),
]

# django-otp-webauthn's JSON endpoints, under the namespace its template tags reverse.
webauthn_urlpatterns = (
    [
        path("registro/inicio/", views_webauthn.BeginRegistration.as_view(), name="credential-registration-begin"),
        path("registro/fim/", views_webauthn.CompleteRegistration.as_view(), name="credential-registration-complete"),
        path("uso/inicio/", views_webauthn.BeginAuthentication.as_view(), name="credential-authentication-begin"),
        path("uso/fim/", views_webauthn.CompleteAuthentication.as_view(), name="credential-authentication-complete"),
        path("jsi18n/", JavaScriptCatalog.as_view(packages=["django_otp_webauthn"]), name="js-i18n-catalog"),
    ],
    "otp_webauthn",
)
