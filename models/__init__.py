"""The trained row classifier, installed as package data (``recover.models``)."""
