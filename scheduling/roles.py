"""The back office's roles as Django groups, each with only what its work needs.

Created (and topped up, never trimmed) after every `migrate`, so production gets them without demo data:
staff are then put in a group in the admin. Superusers are not a role; they see everything, but conduct only the
bookings assigned to them (taking one over is a reassignment, `scheduling.reassign_booking`, which no role has
by default: grant it to a coordinator in the admin) and never verify a dossier they acted on.

Every admin action declares the permission it needs (`tecnosign/tests/test_admin_action_permissions.py`
holds which role may run which action): a permission given here hands out the actions that require it.
"""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

from .models import AGENTS_GROUP

VERIFIERS_GROUP = "verifiers"
SUPPORT_GROUP = "support"
MANAGERS_GROUP = "managers"

ROLES: dict[str, dict[str, list[str]]] = {
    # Registration agents: their day's appointments, the dossier, the checklist, their days off.
    AGENTS_GROUP: {
        "scheduling": [
            "view_agendaentry",
            "view_booking",
            "change_booking",
            "conduct_appointment",
            "view_validation",
            "add_validation",
            "view_availabilityrule",
            "view_agentprofile",
            "view_availabilityexception",
            "add_availabilityexception",
            "change_availabilityexception",
            "delete_availabilityexception",
        ],
        "orders": ["view_order", "view_document"],
    },
    # The verification centre: validated dossiers, and approve or return them (never their own).
    VERIFIERS_GROUP: {
        "scheduling": [
            "view_verificationqueueentry",
            "view_validation",
            "view_verification",
            "add_verification",
            "verify_dossier",
            "view_booking",
            # The sealed dossiers of what they approved (every download audited).
            "view_sealeddossier",
            "download_dossier",
        ],
        "orders": ["view_order", "view_document"],
        "issuance": ["view_issuancerequest", "view_certificate"],
    },
    # Customer support: follows orders, payments, messages, the 24 h hand-off and revocation letters;
    # does not open identity documents.
    SUPPORT_GROUP: {
        "orders": [
            "view_order",
            "view_payment",
            "view_paymentevent",
            "view_partner",
            "view_referrallink",
            # Refunds: asked for with a reason (audited); above REFUND_FOUR_EYES_ABOVE a manager approves.
            "view_refund",
            "request_refund",
        ],
        "scheduling": ["view_booking", "view_validation", "view_verification"],
        "issuance": [
            "view_issuancerequest",
            "view_certificate",
            "mark_media_delivered",
            "change_issuancerequest",
        ],
        "revocation": [
            "view_revocationrequest",
            "change_revocationrequest",
            "review_letter",
            "view_reissueconfirmation",
        ],
        "notifications": ["view_outboxmessage", "change_outboxmessage"],
        "audit": ["view_auditevent"],
        # A partner or colleague locked out of the login form calls support (the unlock is audited).
        "accounts": ["view_loginthrottle", "unlock_loginthrottle"],
    },
    # The AR's management ("gerência"): approves, suspends and refuses partners, pays their commissions, sets the
    # links' limits and revokes partners' API keys (an API key has no editable field: "change" is revoking).
    # It also keeps the local CA's Lista Negativa (with an external AC, the AC keeps it) and reads the retention report.
    MANAGERS_GROUP: {
        "orders": [
            "view_partner",
            "review_partner",
            "view_referrallink",
            "view_commissionentry",
            "view_retention_report",
            # The second pair of eyes on large refunds, the manual transfers, and the reconciliation page.
            "view_payment",
            "view_refund",
            "request_refund",
            "approve_refund",
        ],
        "issuance": ["view_negativelistentry", "add_negativelistentry", "change_negativelistentry"],
        "partners": [
            "view_commissionpayout",
            "add_commissionpayout",
            "view_linklimits",
            "add_linklimits",
            "change_linklimits",
            "view_apitoken",
            "change_apitoken",
        ],
        "accounts": ["view_loginthrottle", "unlock_loginthrottle"],
    },
}


def ensure_roles(**kwargs) -> None:
    for group_name, apps in ROLES.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        wanted = Q()
        for app_label, codenames in apps.items():
            wanted |= Q(content_type__app_label=app_label, codename__in=codenames)
        group.permissions.add(*Permission.objects.filter(wanted))
