"""The local token agent: a small HTTP program, with no Django inside, that drives PKCS#11 tokens.

It runs on the computer where the token or card is plugged in (`python -m tokens.agent`) and answers
signed JSON requests on 127.0.0.1 only. The portal (`tokens.client`) and the self-service page talk to it.
For a browser that cannot make an A1 key itself, it also makes the key in software and writes the customer's
.pfx on that computer (`software`; `--no-token` when there is no token at all).
"""
