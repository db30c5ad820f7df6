"""Rendering: catalog records to SQL text, every name quoted by one helper."""
