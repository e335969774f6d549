"""Every write to orders goes through these functions (views, admin, API and tasks alike)."""
