from django.core.files.storage import FileSystemStorage


class PrivateFileSystemStorage(FileSystemStorage):
    """Local private files: there is deliberately no URL for them; staff read them through a view."""

    def url(self, name):
        raise ValueError("Private files are not accessible via a URL; use the authorised view.")
