"""Hand-worked compute efficiencies of GPUs with a measured large-GEMM rate (the quotes
test_hardware.py checks the presets against): the fitted efficiency x the GPU's measured BF16
matmul rate / its datasheet dense BF16 rate / the calibration GPUs' mean of that ratio."""

from planner.serving.speed.coefficients import FITTED

# H100 SXM 794.5 of 989.4 (H200 the same), B200 1,745 and B300 1,769 of 2,250
R_CAL = (2 * 794.5 / 989.4 + 1745.0 / 2250.0 + 1769.0 / 2250.0) / 4  # 0.79195


def compute_eff(measured_tflops: float, datasheet_tflops: float) -> float:
    """The compute efficiency the speed model runs a GPU's GEMMs at."""
    return FITTED.compute_efficiency * measured_tflops / datasheet_tflops / R_CAL


H100_EFF = compute_eff(794.5, 989.4)  # H100 SXM and H200: 0.636 x 0.80301 / 0.79195 = 0.6449
B200_EFF = compute_eff(1745.0, 2250.0)  # 0.636 x 0.77556 / 0.79195 = 0.6228
RTX5090_EFF = compute_eff(224.3, 209.5)  # 0.636 x 1.07064 / 0.79195 = 0.8598
L4_EFF = compute_eff(70.89, 121.0)  # 0.636 x 0.58587 / 0.79195 = 0.4705
