"""The partner programme's own writes: API tokens, payouts, payment-link resends, and links within staff's limits.

Partners' accounts and referral links are `orders`' rows, written by `orders.services.partners` and
`orders.services.referral_links`."""
