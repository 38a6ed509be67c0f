"""Entry point: page config, language, demo banner, navigation. Nothing else."""

import streamlit as st

from issue_core.db import demo_enabled
from issue_core.ui.data import engine
from issue_core.ui.i18n import language_switch, translator

st.set_page_config(page_title="ISSUE", page_icon="🏠", layout="wide")
engine()  # migrate (and seed the demo on an empty database) before any page reads
language_switch()
t = translator()
if demo_enabled():
    st.sidebar.info(t("app.demo_banner"), icon="ℹ️")

pages = {
    t("nav.section.sites"): [
        st.Page("pages/sites.py", title=t("nav.sites"), icon=":material/apartment:", url_path="sites", default=True),
    ],
}
st.navigation(pages).run()
