"""The REST API for partners' systems, versioned under /api/v1/ (DRF, OpenAPI by drf-spectacular)."""
