"""Moving rows in and out: file import, export, and the streaming row writers."""
