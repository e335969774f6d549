"""Refuse TRUNCATE of the audit tables in PostgreSQL: the append-only row trigger never sees a TRUNCATE.

A statement trigger on each table (and on any TRUNCATE that cascades to them) raises. Only the tables' owner can
disable it — which is why the app should run under a role that does not own them (README, "The audit log"), and
why the chain is anchored by signed checkpoints outside the database. SQLite relies on the chain alone.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION audit_refuse_truncate() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' is append-only: TRUNCATE refused';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_event_refuse_truncate
BEFORE TRUNCATE ON audit_auditevent
FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate();

CREATE TRIGGER audit_chain_head_refuse_truncate
BEFORE TRUNCATE ON audit_auditchainhead
FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS audit_event_refuse_truncate ON audit_auditevent;
DROP TRIGGER IF EXISTS audit_chain_head_refuse_truncate ON audit_auditchainhead;
DROP FUNCTION IF EXISTS audit_refuse_truncate();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only")]

    operations = [migrations.RunPython(forward, backward)]
