"""Shared helpers of the Streamlit app: state codec, sidebar, formatting, cached probe I/O."""
