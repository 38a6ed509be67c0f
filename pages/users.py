"""Users (admin): create, deactivate, reset a password, change a role; the wall screens' tokens."""

import pandas as pd
import streamlit as st

from issue_core.models import Language, Role
from issue_core.policy import PASSWORD_MIN_LENGTH
from issue_core.queries.screens.accounts_audit import accounts
from issue_core.queries.screens.reference import organisations
from issue_core.queries.screens.screen_tokens import screen_accounts, screen_tokens
from issue_core.services import screen_tokens as tokens
from issue_core.services import users
from issue_core.ui.data import engine, read
from issue_core.ui.feedback import NOT_DONE, show_flash, submit
from issue_core.ui.gate import SCREEN_TOKEN_PARAM, require_role
from issue_core.ui.i18n import LANGUAGE_NAMES, translator

actor = require_role(Role.ADMIN)
t = translator()
st.title(t("nav.users"))

table = read(accounts)
partners = read(organisations, kinds=("partner",))
partner_names = dict(zip(partners["id"], partners["short_name"]))
roles = [role.value for role in Role]

st.dataframe(
    table.assign(
        role=table["role"].map(lambda r: t(f"role.{r}")),
        active=table["active"].map(lambda a: t("common.yes") if a else t("common.no")),
        locked_until=table["locked_until"].map(lambda d: t.datetime(d) if pd.notna(d) else ""),
        organisation=table["organisation"].fillna("—"),
    )[["username", "display_name", "role", "organisation", "language", "active", "failed_logins", "locked_until"]]
    .rename(columns=lambda c: t(f"users.col.{c}")),
    hide_index=True,
    width="stretch",
)

create, manage, screens = st.tabs([t("users.create"), t("users.manage"), t("screen_tokens.tab")])
with create, st.form("create-user", clear_on_submit=False):
    username = st.text_input(t("users.col.username"), max_chars=60, help=t("users.username_help"))
    display_name = st.text_input(t("users.col.display_name"), max_chars=120)
    email = st.text_input(t("users.email"), max_chars=200)
    role = st.selectbox(t("users.col.role"), roles, format_func=lambda r: t(f"role.{r}"))
    organisation = st.selectbox(
        t("users.col.organisation"), [None, *partner_names], format_func=lambda o: partner_names.get(o, "—")
    )
    language = st.selectbox(t("users.col.language"), Language.values(), format_func=LANGUAGE_NAMES.__getitem__)
    password = st.text_input(t("users.initial_password"), type="password",
                             help=t("users.password_help", minimum=PASSWORD_MIN_LENGTH))
    if st.form_submit_button(t("users.create_submit"), type="primary"):
        submit(
            users.create_user, engine(), actor, username=username, display_name=display_name, role=role,
            organisation_id=organisation, language=language, password=password, email=email or None,
            must_change_password=True, done=t.md("users.created", username=username.strip().lower()), announce="here",
        )

with manage:
    if table.empty:
        st.info(t("users.none"))
    else:
        chosen = st.selectbox(t("users.choose"), table["id"].tolist(),
                              format_func=lambda i: table.set_index("id").loc[i, "username"])
        user = table.set_index("id").loc[chosen]
        version = int(user["version"])
        organisation_name = user["organisation"] if pd.notna(user["organisation"]) else "—"
        st.caption(t.md("users.current", role=t(f"role.{user['role']}"), organisation=organisation_name))
        left, right = st.columns(2)
        with left, st.form("change-role"):
            new_role = st.selectbox(t("users.col.role"), roles, index=roles.index(user["role"]),
                                    format_func=lambda r: t(f"role.{r}"))
            options = [None, *partner_names]
            current = int(user["organisation_id"]) if pd.notna(user["organisation_id"]) else None
            new_organisation = st.selectbox(
                t("users.col.organisation"), options,
                index=options.index(current) if current in options else 0,
                format_func=lambda o: partner_names.get(o, "—"),
            )
            if st.form_submit_button(t("users.change_role")):
                submit(users.change_role, engine(), actor, int(chosen), version=version, role=new_role,
                       organisation_id=new_organisation, done=t("users.role_changed"), announce="here")
        with right:
            if st.button(t("users.reset_password"), key="reset"):
                temporary = submit(users.reset_password, engine(), actor, int(chosen), version=version,
                                   done=t("users.temporary_password"), announce="here")
                if temporary is not NOT_DONE:
                    st.code(temporary, language=None)
            active = bool(user["active"])
            label = t("users.deactivate") if active else t("users.reactivate")
            if st.button(label, key="toggle-active"):
                submit(users.set_active, engine(), actor, int(chosen), version=version, active=not active,
                       done=t("users.deactivated") if active else t("users.reactivated"), announce="here")


def wall_address(token: str) -> str:
    """The address the wall's device opens once: this server's meeting screen with the token."""
    here = (st.context.url or "").split("?")[0].rstrip("/")
    base = here.rsplit("/", 1)[0] if here.count("/") > 2 else here
    return f"{base}/meeting?{SCREEN_TOKEN_PARAM}={token}"


def token_state(row) -> str:  # a row of screen_tokens
    if pd.notna(row.revoked_at):
        return t("screen_tokens.revoked_on", when=t.datetime(row.revoked_at))
    return t("screen_tokens.in_force")


with screens:
    show_flash()  # "revoked", after the page's rerun
    st.caption(t("screen_tokens.help"))
    accounts_of_screens = read(screen_accounts)
    if not accounts_of_screens:
        st.info(t("screen_tokens.no_screen_account"))
    else:
        with st.form("create-screen-token", clear_on_submit=True):
            account = st.selectbox(t("screen_tokens.account"), list(accounts_of_screens),
                                   format_func=accounts_of_screens.__getitem__)
            label = st.text_input(t("screen_tokens.label"), max_chars=120, placeholder=t("screen_tokens.label_hint"))
            if st.form_submit_button(t("screen_tokens.create"), type="primary"):
                token = submit(tokens.create_screen_token, engine(), actor, user_id=account, label=label,
                               done=t("screen_tokens.created"), announce="here")
                if token is not NOT_DONE:
                    st.code(wall_address(token), language=None, wrap_lines=True)
    listed = read(screen_tokens)
    if listed.empty:
        st.caption(t("screen_tokens.none"))
    else:
        st.dataframe(pd.DataFrame({
            t("screen_tokens.label"): listed["label"],
            t("screen_tokens.account"): listed["account"],
            t("screen_tokens.created_at"): [t.datetime(moment) for moment in listed["created_at"]],
            t("screen_tokens.created_by"): listed["created_by"],
            t("screen_tokens.last_used_at"): [t.datetime(moment) if pd.notna(moment) else "—"
                                              for moment in listed["last_used_at"]],
            t("screen_tokens.state"): [token_state(row) for row in listed.itertuples()],
        }), hide_index=True, width="stretch")
        in_force = listed[listed["revoked_at"].isna()]
        if not in_force.empty:
            labels = dict(zip(in_force["id"], in_force["label"] + " · " + in_force["account"], strict=True))
            chosen_token = st.selectbox(t("screen_tokens.choose"), list(labels), format_func=labels.__getitem__)
            if st.button(t("screen_tokens.revoke"), key="revoke-screen-token", icon=":material/block:"):
                submit(tokens.revoke_screen_token, engine(), actor, int(chosen_token),
                       done=t("screen_tokens.revoked"), announce="after_rerun")
