"""compare page (built once the planner modules land)."""

import streamlit as st

st.title("Compare")
