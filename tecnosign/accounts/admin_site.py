"""The back office's admin site: the throttled login form, and nothing but the login without a second factor."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.urls import path


class StaffAdminSite(admin.AdminSite):
    site_header = "TecnoSign — retaguarda"
    site_title = "TecnoSign"
    index_title = "Operação"

    @property
    def login_form(self):
        from .forms import StaffLoginForm

        return StaffLoginForm

    def has_permission(self, request) -> bool:
        # The second line behind StaffAccountMiddleware: a password-only session is no staff session.
        is_verified = getattr(request.user, "is_verified", None)
        return super().has_permission(request) and is_verified is not None and is_verified()

    def get_urls(self):
        from .views import staff_sessions

        return [path("sessoes/", self.admin_view(staff_sessions), name="staff_sessions"), *super().get_urls()]


class StaffAdminConfig(AdminConfig):
    default_site = "tecnosign.accounts.admin_site.StaffAdminSite"
