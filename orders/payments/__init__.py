"""Payment formats (PIX BR Code, boleto) and the gateway interface with its sandbox implementation."""
