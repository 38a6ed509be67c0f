"""Streamlit helpers shared by the pages (the only part of issue_core that imports streamlit)."""
