"""The sign-in page: the form itself is drawn by the gate in app.py, before navigation."""

import streamlit as st

from issue_core.db import demo_enabled
from issue_core.demo import DEMO_ACCOUNTS
from issue_core.ui.data import engine
from issue_core.services.users import has_any_account
from issue_core.ui.i18n import translator

t = translator()
if not has_any_account(engine()):
    st.warning(t("auth.no_account_yet"))
elif demo_enabled():
    with st.expander(t("auth.demo_accounts")):
        st.table({t("auth.username"): [a.username for a in DEMO_ACCOUNTS],
                  t("auth.password"): [a.password for a in DEMO_ACCOUNTS]})
