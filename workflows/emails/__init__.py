"""Transactional emails: Jinja2 templates in French and English, rendered by `render.py`."""
