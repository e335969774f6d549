"""Make the audit table append-only in PostgreSQL itself, so not even a raw SQL slip can rewrite history.

Rows may be inserted, and sealed once (hash fields filled while empty); nothing else may change and
nothing may be deleted. Other databases (SQLite for `make run`) rely on the hash chain alone.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'audit_auditevent is append-only: DELETE refused';
    END IF;
    IF OLD.hash <> '' OR NEW.created_at IS DISTINCT FROM OLD.created_at
       OR NEW.actor_id IS DISTINCT FROM OLD.actor_id OR NEW.actor_label IS DISTINCT FROM OLD.actor_label
       OR NEW.ip IS DISTINCT FROM OLD.ip OR NEW.action IS DISTINCT FROM OLD.action
       OR NEW.object_type IS DISTINCT FROM OLD.object_type OR NEW.object_id IS DISTINCT FROM OLD.object_id
       OR NEW.before IS DISTINCT FROM OLD.before OR NEW.after IS DISTINCT FROM OLD.after
       OR NEW.note IS DISTINCT FROM OLD.note THEN
        RAISE EXCEPTION 'audit_auditevent is append-only: only sealing an unsealed row is allowed';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_event_append_only
BEFORE UPDATE OR DELETE ON audit_auditevent
FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS audit_event_append_only ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_event_append_only();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)
    apps.get_model("audit", "AuditChainHead").objects.get_or_create(pk=1)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
