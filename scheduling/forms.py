from datetime import datetime

from django import forms
from django.core.exceptions import ValidationError

from .slots import parse_slot_id


class SlotForm(forms.Form):
    slot = forms.CharField(
        label="Horário",
        max_length=32,
        error_messages={
            "required": "Escolha um horário para a videoconferência.",
            "max_length": "Horário inválido. Escolha um dos horários livres da lista.",
        },
    )

    def clean_slot(self) -> datetime:
        try:
            return parse_slot_id(self.cleaned_data["slot"].strip())
        except ValueError as error:
            raise ValidationError(
                "Horário inválido. Escolha um dos horários livres da lista.", code="invalid_slot"
            ) from error


class PartnerSlotForm(SlotForm):
    mobile = forms.CharField(
        label="Celular do cliente, para confirmar",
        max_length=20,
        help_text="Digite o celular do cliente com DDD. Ele precisa conferir com o cadastrado no pedido: é por ele "
        "que o cliente recebe o link da videoconferência.",
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
        error_messages={"required": "Confirme o celular do cliente antes de agendar."},
    )
