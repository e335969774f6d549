from django import forms
from django.contrib.auth import get_user_model

from .models import Validation, Verification
from .services import Checklist
from .services.validation import WARNINGS_NOTE_REQUIRED


class ValidationForm(forms.Form):
    """The agent's checklist and outcome. Rules are the service's; the form only collects."""

    check_document = forms.BooleanField(label="O documento é original e confere com os dados do pedido", required=False)
    check_holder_in_person = forms.BooleanField(
        label="O titular está em pessoa na câmera, sem outra pessoa conduzindo", required=False
    )
    check_legal_representative = forms.BooleanField(
        label="É o representante legal da empresa (sócio administrador na Receita Federal)", required=False
    )
    check_environment = forms.BooleanField(
        label="O ambiente é adequado (silencioso, iluminado, parado)", required=False
    )
    outcome = forms.ChoiceField(label="Resultado", choices=Validation.Outcome.choices, widget=forms.RadioSelect)
    reject_reason = forms.ChoiceField(
        label="Motivo da recusa", choices=[("", "—"), *Validation.RejectReason.choices], required=False
    )
    note = forms.CharField(
        label="Observação",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Na recusa, o cliente recebe o motivo e esta observação.",
    )

    def __init__(self, *args, company: bool, documents_waived: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not company:
            del self.fields["check_legal_representative"]
        if documents_waived:  # a positive biometric match replaced the document (the dossier says so)
            del self.fields["check_document"]

    def checklist(self) -> Checklist:
        data = self.cleaned_data
        return Checklist(
            document=data.get("check_document", False),
            holder_in_person=data["check_holder_in_person"],
            legal_representative=data.get("check_legal_representative", False),
            environment=data["check_environment"],
        )


class VerificationForm(forms.Form):
    outcome = forms.ChoiceField(label="Decisão", choices=Verification.Outcome.choices, widget=forms.RadioSelect)
    reason = forms.CharField(
        label="Motivo da devolução",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Obrigatório para devolver: o agente recebe este texto.",
    )
    warnings_note = forms.CharField(
        label="Observação sobre os alertas",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Obrigatória para aprovar: por que o atendimento é válido apesar dos alertas (fica na auditoria).",
    )

    def __init__(self, *args, warnings: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.warnings = warnings
        if not warnings:
            del self.fields["warnings_note"]

    def clean(self):
        data = super().clean()
        if (
            self.warnings
            and data.get("outcome") == Verification.Outcome.VERIFIED
            and not data.get("warnings_note", "").strip()
        ):
            self.add_error("warnings_note", WARNINGS_NOTE_REQUIRED)
        return data


class AgentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user) -> str:
        name = user.get_full_name() or user.get_username()
        return f"{name} ({user.get_username()})" if name != user.get_username() else name


class ReassignForm(forms.Form):
    """The coordination's hand-over of a booking. Who may be chosen and who is free is the service's to say."""

    to_agent = AgentChoiceField(label="Novo agente", queryset=get_user_model().objects.none(), empty_label="—")
    reason = forms.CharField(
        label="Motivo",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Fica no registro de auditoria da videoconferência.",
    )

    def __init__(self, *args, current_agent_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_agent"].queryset = (
            get_user_model()
            .objects.with_perm("scheduling.conduct_appointment")
            .filter(is_staff=True)
            .exclude(pk=current_agent_id)
            .order_by("first_name", "username")
        )
