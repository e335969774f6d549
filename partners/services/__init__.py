"""Every write of the partner portal: registration, links, API tokens, payment-link resends and payouts."""
