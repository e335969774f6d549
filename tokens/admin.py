from django.contrib import admin, messages

from tecnosign.audit.services import Actor

from .forms import TokenJobForm, WorkstationForm
from .models import TokenJob, Workstation
from .services import token_job_create, workstation_pair, workstation_update


@admin.register(Workstation)
class WorkstationAdmin(admin.ModelAdmin):
    form = WorkstationForm
    list_display = ["name", "agent_url", "active", "paired_at", "module"]
    list_filter = ["active"]
    search_fields = ["name"]
    readonly_fields = ["paired_at", "paired_by", "agent_info", "created_at"]
    fields = ["name", "agent_url", "active", "pairing_code", "paired_at", "paired_by", "agent_info", "created_at"]
    actions = ["list_connected_tokens"]

    @admin.display(description="módulo PKCS#11")
    def module(self, workstation: Workstation) -> str:
        module = workstation.agent_info.get("module", {})
        return f"{module.get('description', '')} {module.get('version', '')}".strip()

    def save_model(self, request, obj, form, change):
        actor = Actor.from_request(request)
        if form.probe is None:  # no new code: name, address or status edited only
            workstation_update(workstation=obj, name=obj.name, agent_url=obj.agent_url, active=obj.active, actor=actor)
            return
        secret, status = form.probe
        saved = workstation_pair(
            workstation=obj if change else None,
            name=obj.name,
            agent_url=obj.agent_url,
            active=obj.active,
            secret=secret,
            agent_info=status,
            actor=actor,
        )
        obj.pk = saved.pk
        obj.refresh_from_db()  # the service's row, for the admin's message and log

    def has_delete_permission(self, request, obj=None):
        return False

    def has_list_tokens_permission(self, request) -> bool:
        # The action queues a token job: the same permission as queueing one by hand.
        return request.user.has_perm("tokens.add_tokenjob")

    @admin.action(description="Listar as mídias conectadas", permissions=["list_tokens"])
    def list_connected_tokens(self, request, queryset):
        for workstation in queryset.filter(active=True):
            job = token_job_create(
                workstation=workstation, operation=TokenJob.Operation.LIST_TOKENS, actor=Actor.from_request(request)
            )
            self.message_user(request, f"Pedido enviado: {job}.", messages.SUCCESS)


@admin.register(TokenJob)
class TokenJobAdmin(admin.ModelAdmin):
    list_display = ["id", "created_at", "workstation", "operation", "token_serial", "status", "requested_by"]
    list_filter = ["status", "operation", "workstation"]
    search_fields = ["token_serial", "workstation__name"]
    list_select_related = ["workstation", "requested_by"]
    date_hierarchy = "created_at"

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = TokenJobForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is not None:
            return super().get_fieldsets(request, obj)
        return [
            (None, {"fields": ["workstation", "operation", "token_serial"]}),
            (
                "PIN e PUK (não são guardados)",
                {"fields": ["pin", "new_pin", "new_pin_again", "puk", "new_puk", "new_puk_again"]},
            ),
            ("Apagar a mídia", {"fields": ["label", "confirm_token_label", "confirm_labels"]}),
            ("Emissão A3 de um pedido", {"fields": ["order_number"]}),
            ("Chave e CSR", {"fields": ["key_label", "subject"]}),
            ("Gravar certificado", {"fields": ["certificate"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [field.name for field in TokenJob._meta.fields]

    def save_model(self, request, obj, form, change):
        job = token_job_create(  # the form ran token_job_check: nothing left to refuse
            workstation=form.cleaned_data["workstation"],
            operation=form.cleaned_data["operation"],
            token_serial=form.cleaned_data.get("token_serial") or "",
            params=form.job_params(),
            secrets=form.job_secrets(),
            actor=Actor.from_request(request),
        )
        obj.pk = job.pk
        obj.refresh_from_db()  # the service's row, for the admin's message and log

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False
