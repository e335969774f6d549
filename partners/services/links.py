"""A partner's referral links, within the limits staff set for the programme (`LinkLimits`).

The rows and the rules of their terms are `orders`' (`orders.services.referral_links`): these hand it the limits.
"""

from orders.models import Partner, ReferralLink
from orders.services.referral_links import LinkTerms, referral_link_create, referral_link_update
from tecnosign.audit.services import Actor

from ..models import LinkLimits


def link_create(*, partner: Partner, terms: LinkTerms, actor: Actor) -> ReferralLink:
    return referral_link_create(partner=partner, terms=terms, limits=LinkLimits.current(), actor=actor)


def link_update(*, link: ReferralLink, terms: LinkTerms, actor: Actor) -> ReferralLink:
    """Change a link's terms. Orders already made keep the price and commission they were made with."""
    return referral_link_update(link=link, terms=terms, limits=LinkLimits.current(), actor=actor)
