"""model page (built once the planner modules land)."""

import streamlit as st

st.title("Model")
