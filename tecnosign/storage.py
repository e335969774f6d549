"""The private file storage: customers' identity documents and signed revocation letters (orders, revocation)."""

from django.core.files.storage import FileSystemStorage, storages


class PrivateFileSystemStorage(FileSystemStorage):
    """Local private files: there is deliberately no URL for them; staff read them through a view."""

    def url(self, name):
        raise ValueError("Private files are not accessible via a URL; use the authorised view.")


def private_storage():
    """`STORAGES["private"]`, looked up when a file is stored or read (a callable, so that migrations do not record
    the backend, and tests and deployments choose it in settings)."""
    return storages["private"]
