"""I/O probes: NVML GPUs, the host, the Hugging Face Hub; snapshots and findings."""
