"""The management dashboard (/admin/painel/): the business at a glance for the AR's management, each table
exportable as CSV (`?csv=<table>`). Managers and superusers only; everyone else gets 403."""

from datetime import timedelta

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from . import selectors
from .access import may_view_dashboard
from .tables import KEYS, build


class FiltersForm(forms.Form):
    start = forms.DateField(
        label="De", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    end = forms.DateField(
        label="Até", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    partner = forms.TypedChoiceField(label="Parceiro", required=False, coerce=int, empty_value=None)

    def __init__(self, *args, partners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].choices = [("", "Todos os parceiros"), *partners]

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if any(day and not 2000 <= day.year <= 2100 for day in (start, end)):
            raise forms.ValidationError("Escolha datas entre 2000 e 2100.")
        if start and end and start > end:
            raise forms.ValidationError("O início do período vem depois do fim.")
        if start and end and (end - start).days > 3 * 366:
            raise forms.ValidationError("Período longo demais: no máximo três anos.")
        return data


def default_period():
    today = timezone.localdate()
    first = today.replace(day=1)
    for _ in range(5):  # the current month and the five before it
        first = (first - timedelta(days=1)).replace(day=1)
    return first, today


def dashboard(request):
    if not may_view_dashboard(request.user):
        raise PermissionDenied
    start, end = default_period()
    data = request.GET.copy()
    data.pop("csv", None)
    form = FiltersForm(data or None, partners=selectors.partner_choices(), initial={"start": start, "end": end})
    partner_id = None
    if form.is_bound and form.is_valid():
        start = form.cleaned_data.get("start") or start
        end = form.cleaned_data.get("end") or end
        partner_id = form.cleaned_data.get("partner")
    filters = selectors.Filters(start=start, end=end, partner_id=partner_id)
    wanted = request.GET.get("csv")
    if wanted:
        if wanted not in KEYS:
            raise Http404
        table = next(t for t in build(filters, only=wanted) if t.key == wanted)
        response = HttpResponse("\ufeff" + table.csv(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="painel-{table.key}-{start}-{end}.csv"'
        return response
    tables = build(filters)
    query = data.copy()
    query["start"], query["end"] = start.isoformat(), end.isoformat()
    context = {
        **admin.site.each_context(request),
        "title": "Painel da gerência",
        "form": form,
        "filters": filters,
        "tables": tables,
        "query": query.urlencode(),
    }
    return TemplateResponse(request, "dashboard/dashboard.html", context)
