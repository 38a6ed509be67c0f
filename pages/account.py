"""My account (everyone): change one's own password and language."""

import streamlit as st

from issue_core.models import Role
from issue_core.policy import PASSWORD_MIN_LENGTH
from issue_core.services import users
from issue_core.ui.data import engine
from issue_core.ui.feedback import show_flash, submit
from issue_core.ui.gate import SESSION_KEY, require_role
from issue_core.ui.i18n import translator

actor = require_role(*Role)
t = translator()
st.title(t("nav.account"))
show_flash()
st.caption(t.md("account.signed_in_as", username=actor.username, role=t(f"role.{actor.role.value}")))
if st.session_state.get("issue_must_change_password"):
    st.warning(t("account.must_change"))

with st.form("change-password", clear_on_submit=True):
    st.subheader(t("account.change_password"))
    current = st.text_input(t("account.current_password"), type="password")
    new = st.text_input(t("account.new_password"), type="password",
                        help=t("users.password_help", minimum=PASSWORD_MIN_LENGTH))
    repeat = st.text_input(t("account.repeat_password"), type="password")
    if st.form_submit_button(t("account.save_password"), type="primary"):
        if new != repeat:
            st.error(t("account.passwords_differ"))
        else:
            # Every other session ends; this one goes on.
            submit(users.change_own_password, engine(), actor, current_password=current, new_password=new,
                   keep_session=st.session_state.get(SESSION_KEY), done=t("account.password_changed"),
                   announce="after_rerun", then=lambda: st.session_state.update(issue_must_change_password=False))

st.caption(t("account.language_hint"))
